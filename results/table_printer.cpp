#include "results/table_printer.hpp"

#include <map>

#include "results/rank_lines.hpp"

namespace collbench {

std::string format_fixed_width(double value, int width) {
  char text[32];
  for (const char* format : {"%*.2f", "%*.1f", "%*.0f"}) {
    if (std::snprintf(text, sizeof text, format, width, value) <= width) return text;
  }
  std::snprintf(text, sizeof text, width >= 7 ? "%*.1e" : "%*.0e", width, value);
  return text;
}

void TablePrinter::begin_run(const nlohmann::json& run) {
  std::fprintf(out_, "# collbench %s (%s)  backend %s  ranks %d on %zu host(s)\n",
               run.value("collbench_version", "?").c_str(), run.value("git_revision", "?").c_str(),
               run.value("backend", "?").c_str(), run.value("nranks", 0),
               run.contains("hosts") ? run["hosts"].size() : 0);
  std::fprintf(out_, "# MPI: %s\n", run.value("mpi_library", "none").c_str());
  // Under Slurm: the job and step, so a job's output file names what it measured.
  if (run.contains("slurm")) {
    const auto& slurm = run["slurm"];
    std::fprintf(out_, "# Slurm: job %lld", static_cast<long long>(slurm.value("job_id", 0LL)));
    if (slurm.contains("step_id")) {
      std::fprintf(out_, " step %lld", static_cast<long long>(slurm.value("step_id", 0LL)));
    }
    std::fprintf(out_, " on %s\n", slurm.value("node_list", std::string("?")).c_str());
  }
  if (run.contains("libraries")) {
    for (const auto& [name, version] : run["libraries"].items()) {
      std::fprintf(out_, "# %s: %s\n", name.c_str(), version.get<std::string>().c_str());
    }
  }
  // GPU runs: where MPI's buffers live, the CUDA/NCCL versions, and the GPU models in use.
  if (run.contains("mpi_buffers")) {
    std::fprintf(out_, "# MPI buffers: %s\n", run["mpi_buffers"].get<std::string>().c_str());
  }
  for (const char* key : {"cuda_driver", "cuda_runtime", "nccl_version"}) {
    if (run.contains(key)) {
      std::fprintf(out_, "# %s: %s\n", key, run[key].get<std::string>().c_str());
    }
  }
  if (run.contains("gpus")) {
    std::map<std::string, int> models;
    for (const auto& gpu : run["gpus"]) ++models[gpu.value("name", std::string("?"))];
    for (const auto& [model, count] : models) {
      std::fprintf(out_, "# GPUs: %d x %s\n", count, model.c_str());
    }
  }
  if (run.contains("settings")) {
    const auto& s = run["settings"];
    std::fprintf(out_,
                 "# minBytes %lld maxBytes %lld step: %s warmup iters: %d iters: %d agg iters: %d "
                 "repeat: %d timing: %s validation: %d graph: %d\n",
                 s.value("min_bytes", 0LL), s.value("max_bytes", 0LL),
                 s.value("step", std::string("?")).c_str(), s.value("warmup_iters", 0),
                 s.value("iters", 0), s.value("agg_iters", 1), s.value("repeat", 0),
                 s.value("timing", std::string("?")).c_str(), s.value("check", 0),
                 s.value("cudagraph", 0));
  }
  if (run.contains("binding")) {
    std::fprintf(out_, "# binding: %s (rank 0 on cpus %s)\n",
                 run["binding"].value("policy", std::string("?")).c_str(),
                 run["binding"].value("rank0_cpus", std::string("?")).c_str());
  }
  for (const std::string& line : format_rank_lines(run)) std::fprintf(out_, "# %s\n", line.c_str());
  if (run.contains("ceiling")) {
    std::fprintf(out_, "# ceiling: %.1f GB/s busbw (%s); eff = busbw / ceiling\n",
                 run["ceiling"].value("GBps", 0.0),
                 run["ceiling"].value("tier", std::string("?")).c_str());
  }
  if (run.contains("warnings")) {
    for (const auto& warning : run["warnings"]) {
      std::fprintf(out_, "# WARNING: %s\n", warning.get<std::string>().c_str());
    }
  }
  std::fflush(out_);
}

void TablePrinter::begin_group(const GroupInfo& group) {
  group_ = group;
  wrong_total_ = 0;
  checked_rows_ = 0;
  busbw_sum_ = 0;
  busbw_count_ = 0;
  unstable_rows_ = 0;
  std::fprintf(out_, "#\n# Collective test starting: %s\n#\n", group.collective.c_str());
  if (!group.inplace_skipped.empty()) {
    std::fprintf(out_, "# in-place: skipped, measured out of place only (%s)\n#\n",
                 group.inplace_skipped.c_str());
  }
  std::string placements;
  std::string names;
  std::string units;
  char buffer[160];
  auto add_block = [&](const char* title) {
    std::snprintf(buffer, sizeof buffer, "  %7s  %6s  %6s  %6s", "time", "algbw", "busbw",
                  "#wrong");
    names += buffer;
    std::snprintf(buffer, sizeof buffer, "  %7s  %6s  %6s  %6s", "(us)", "(GB/s)", "(GB/s)", "");
    units += buffer;
    std::snprintf(buffer, sizeof buffer, "           %-12s               ", title);
    placements += buffer;
    if (group.ceiling_GBps > 0) {  // efficiency against the topology's ceiling
      names += "    eff";
      units += "    (%)";
      placements += "       ";
    }
  };
  if (group.out_of_place) add_block("out-of-place");
  if (group.inplace) add_block("in-place");
  std::fprintf(out_, "# %10s  %12s  %8s  %6s  %6s%s\n", "", "", "", "", "", placements.c_str());
  std::fprintf(out_, "# %10s  %12s  %8s  %6s  %6s%s\n", "size", "count", "type", "redop", "root",
               names.c_str());
  std::fprintf(out_, "# %10s  %12s  %8s  %6s  %6s%s\n", "(B)", "(elements)", "", "", "",
               units.c_str());
  std::fflush(out_);
}

void TablePrinter::add(const std::vector<ResultRecord>& row) {
  if (row.empty()) return;
  const ResultRecord& first = row.front();
  std::fprintf(out_, "%12lld  %12lld  %8s  %6s  %6d", static_cast<long long>(first.bytes),
               static_cast<long long>(first.count), first.dtype.c_str(), first.redop.c_str(),
               first.root);
  for (const ResultRecord& r : row) {
    const std::string time = format_fixed_width(r.time_us, 7);
    const std::string algbw = format_fixed_width(r.algbw_GBps, 6);
    const std::string busbw = format_fixed_width(r.busbw_GBps, 6);
    if (r.wrong >= 0) {
      std::fprintf(out_, "  %7s  %6s  %6s  %6g", time.c_str(), algbw.c_str(), busbw.c_str(),
                   static_cast<double>(r.wrong));
      wrong_total_ += r.wrong;
      ++checked_rows_;
    } else {
      std::fprintf(out_, "  %7s  %6s  %6s    N/A", time.c_str(), algbw.c_str(), busbw.c_str());
    }
    if (r.ceiling_GBps > 0) {
      std::fprintf(out_, "  %5s",
                   format_fixed_width(100.0 * r.busbw_GBps / r.ceiling_GBps, 5).c_str());
    }
    busbw_sum_ += r.busbw_GBps;
    ++busbw_count_;
  }
  // A row whose samples disagree is marked after its last column, so nccl-tests' columns stay
  // where parsers expect them; the legend at the end of the group says what it means.
  std::string unstable;
  for (const ResultRecord& r : row) {
    if (!r.stability.stable.value_or(true)) {
      unstable += unstable.empty() ? "" : ", ";
      unstable += r.inplace ? "in-place" : "out-of-place";
    }
  }
  if (!unstable.empty()) {
    ++unstable_rows_;
    std::fprintf(out_, "  ~ unstable%s",
                 row.size() > 1 && unstable.find(',') == std::string::npos
                     ? (" (" + unstable + ")").c_str()
                     : "");
  }
  std::fprintf(out_, "\n");
  std::fflush(out_);
}

void TablePrinter::end_group() {
  // With -c 0 nothing was checked: "0 OK" would claim a verification that never happened.
  if (checked_rows_ == 0) {
    std::fprintf(out_, "# %-20s : N/A (not checked)\n", "Out of bounds values");
  } else {
    std::fprintf(out_, "# %-20s : %lld %s\n", "Out of bounds values",
                 static_cast<long long>(wrong_total_), wrong_total_ ? "FAILED" : "OK");
  }
  std::fprintf(out_, "# %-20s : %g \n", "Avg bus bandwidth",
               busbw_count_ ? busbw_sum_ / busbw_count_ : 0.0);
  if (unstable_rows_ > 0) {
    std::fprintf(out_,
                 "# ~ unstable: %d row(s) whose samples disagree even after adaptive sampling "
                 "(MAD/median > %.0f %%, more than %.0f %% of samples above 2x the median, or one "
                 "below half of it); their times are not to be trusted\n",
                 unstable_rows_, 100 * kStableSpread, 100 * kStableOutliers);
  }
  std::fprintf(out_, "#\n");
  std::fflush(out_);
}

void TablePrinter::end_run() {
  std::fflush(out_);
}

}  // namespace collbench
