// `collbench model`: fit a machine's collectives from measured runs, predict other sizes and rank
// counts from a fit or a cluster description, check predictions against held-out runs, and ask
// what one degraded link or GPU costs at scale.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "core/errors.hpp"
#include "harness/command.hpp"
#include "harness/size_sweep.hpp"
#include "model/cost_model.hpp"
#include "model/fit.hpp"
#include "results/atomic_file.hpp"
#include "results/jsonl_writer.hpp"

namespace collbench {
namespace {

nlohmann::json prediction_json(const Prediction& p) {
  return {{"type", "prediction"},
          {"schema_version", 1},
          {"collective", std::string(collective_spec(p.collective).name)},
          {"algorithm", p.algorithm},
          {"bytes", p.bytes},
          {"nranks", p.nranks},
          {"time_us", p.time_us},
          {"algbw_GBps", p.algbw_GBps},
          {"busbw_GBps", p.busbw_GBps},
          {"best", p.best}};
}

std::vector<RunFile> read_runs(const std::vector<std::string>& paths) {
  std::vector<RunFile> runs;
  for (const std::string& p : paths) runs.push_back(read_run_file(p));
  return runs;
}

Fit read_fit(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read fit " + path);
  try {
    return fit_from_json(nlohmann::json::parse(in), path);
  } catch (const nlohmann::json::parse_error&) {
    throw UsageError(path + ": not valid JSON");
  }
}

int cores_from(const std::vector<RunFile>& runs, int given) {
  if (given > 0) return given;
  for (const RunFile& r : runs) {
    if (r.run.contains("topology")) return r.run["topology"].value("cores", 0);
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

class ModelCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* m = app.add_subcommand("model", "Scale model: fit, predict, check, what-if");
    m->require_subcommand(1);
    fit_ = m->add_subcommand("fit", "Fit alpha and beta per collective from measured runs");
    fit_->add_option("files", files_, "JSON Lines of collbench run")->required();
    fit_->add_option("-o,--output", output_, "Fit file (fit.json)");
    fit_->add_option("--cores", cores_, "Cores of the measured machine (from the run record)");

    predict_ = m->add_subcommand("predict", "Predict time and bandwidth per algorithm and size");
    predict_->add_option("--fit", fit_path_, "A fit from `model fit`");
    predict_->add_option("--cluster", cluster_path_, "A cluster description (JSON)");
    predict_->add_option("--preset", preset_, "hgx-h100-ndr400 or gb200-nvl72-ndr400");
    predict_->add_option("--ranks", ranks_, "GPUs or ranks to predict for")->required();
    predict_->add_option("-b,--minbytes", min_bytes_, "Smallest size (8)");
    predict_->add_option("-e,--maxbytes", max_bytes_, "Largest size (8G)");
    predict_->add_option("-f,--stepfactor", factor_, "Multiply the size by this (2)");
    predict_->add_option("-J,--output_file", output_, "Prediction records as JSON Lines");

    check_ = m->add_subcommand("check", "Compare a fit's predictions with measured runs");
    check_->add_option("--fit", fit_path_, "A fit from `model fit`")->required();
    check_->add_option("files", files_, "Held-out runs (JSON Lines)")->required();
    check_->add_option("--min-bytes", check_min_, "Sizes from here count in the summary (64K)");
    check_->add_option("--json", output_, "Write the comparison as JSON");

    whatif_ = m->add_subcommand("whatif", "Slowdown from one degraded link or GPU at scale");
    whatif_->add_option("--cluster", cluster_path_, "A cluster description (JSON)");
    whatif_->add_option("--preset", preset_, "Cluster preset");
    whatif_->add_option("--degrade", degrade_, "link or gpu")
        ->required()
        ->check(CLI::IsMember({"link", "gpu"}));
    whatif_->add_option("--fraction", fraction_, "Its bandwidth as a fraction (0.5)");
    whatif_->add_option("--size", size_, "all_reduce size (1G)");
    return m;
  }

  int execute(int, char**) override {
    if (fit_->parsed()) return do_fit();
    if (predict_->parsed()) return do_predict();
    if (check_->parsed()) return do_check();
    return do_whatif();
  }

 private:
  ClusterSpec cluster() const {
    if (!cluster_path_.empty() && !preset_.empty())
      throw UsageError("give --cluster or --preset, not both");
    if (!cluster_path_.empty()) return load_cluster(cluster_path_);
    return cluster_preset(preset_.empty() ? "hgx-h100-ndr400" : preset_);
  }

  std::vector<std::pair<std::string, std::string>> inputs() const {
    std::vector<std::pair<std::string, std::string>> list{{"--fit", fit_path_},
                                                          {"--cluster", cluster_path_}};
    for (const std::string& path : files_) list.push_back({"input", path});
    return list;
  }

  int do_fit() {
    refuse_shared_paths({{"-o", output_.empty() ? "fit.json" : output_}}, inputs());
    const std::vector<RunFile> runs = read_runs(files_);
    const Fit fit = fit_measurements(measurements_from(runs), cores_from(runs, cores_));
    std::printf("# fit on %d cores (weighted least squares on relative error)\n", fit.cores);
    std::printf("%-16s %-5s %10s %14s %12s %14s %8s %6s\n", "collective", "form", "alpha_us",
                "beta_us/B", "c_alpha_us", "c_beta_us/B", "rel_rms", "points");
    for (const auto& [name, f] : fit.collectives) {
      std::printf("%-16s %-5s %10.4f %14.6e %12.4f %14.6e %7.1f%% %6d\n", name.c_str(),
                  f.form.c_str(), f.alpha_us, f.beta_us_per_byte, f.contention_alpha_us,
                  f.contention_us_per_byte, 100 * f.rel_rms, f.points);
    }
    // Residuals per point, so a poor fit is visible where it is poor.
    std::printf("\n# residuals\n%-16s %6s %12s %12s %12s %8s\n", "collective", "ranks", "bytes",
                "measured_us", "fitted_us", "error");
    for (const Measurement1& m : measurements_from(runs)) {
      const double p = fit.predict_us(m.collective, m.nranks, m.bytes);
      std::printf("%-16s %6lld %12.0f %12.2f %12.2f %7.1f%%\n", m.collective.c_str(),
                  static_cast<long long>(m.nranks), m.bytes, m.time_us, p,
                  100 * (p - m.time_us) / m.time_us);
    }
    const std::string out = output_.empty() ? "fit.json" : output_;
    write_file_atomically(out, fit_to_json(fit).dump(2) + "\n");
    std::printf("# wrote %s\n", out.c_str());
    return kExitOk;
  }

  std::vector<int64_t> sizes() const {
    return sweep_sizes({parse_size(min_bytes_, "-b"), parse_size(max_bytes_, "-e"), factor_, 0});
  }

  int do_predict() {
    if (ranks_ < 1 || ranks_ > 1000000) throw UsageError("--ranks must be 1 to 1,000,000");
    if (factor_ < 2) throw UsageError("-f/--stepfactor must be at least 2");
    refuse_shared_paths({{"-J", output_}}, inputs());
    std::vector<Prediction> predictions;
    if (!fit_path_.empty()) {
      const Fit fit = read_fit(fit_path_);
      for (const auto& [name, f] : fit.collectives) {
        const auto id = parse_collective(name);
        if (!id) continue;
        for (int64_t bytes : sizes()) {
          Prediction p = make_prediction(*id, "fit:" + f.form, bytes, ranks_,
                                         fit.predict_us(name, ranks_, static_cast<double>(bytes)));
          p.best = true;
          predictions.push_back(p);
        }
      }
    } else {
      ClusterSpec c = cluster();
      c.gpus = std::max<int64_t>(c.gpus, ranks_);
      validate_cluster(c);
      predictions = predict_cluster(c, ranks_,
                                    {Collective::kAllReduce, Collective::kAllGather,
                                     Collective::kReduceScatter, Collective::kAllToAll},
                                    sizes());
      std::printf("# cluster %s: %lld GPUs, %d per domain; %s\n", c.name.c_str(),
                  static_cast<long long>(ranks_), c.gpus_per_domain, c.source.c_str());
    }
    std::unique_ptr<JsonLinesWriter> json;
    if (!output_.empty()) json = std::make_unique<JsonLinesWriter>(output_);
    std::printf("%-15s %-20s %14s %9s %14s %10s %10s %s\n", "collective", "algorithm", "bytes",
                "ranks", "time_us", "algbw", "busbw", "");
    for (const Prediction& p : predictions) {
      std::printf("%-15s %-20s %14lld %9lld %14.2f %10.2f %10.2f %s\n",
                  std::string(collective_spec(p.collective).name).c_str(), p.algorithm.c_str(),
                  static_cast<long long>(p.bytes), static_cast<long long>(p.nranks), p.time_us,
                  p.algbw_GBps, p.busbw_GBps, p.best ? "best" : "");
      if (json) json->write(prediction_json(p));
    }
    if (json) json->end_run();  // a streamed output: complete, so moved into place
    return kExitOk;
  }

  int do_check() {
    refuse_shared_paths({{"--json", output_}}, inputs());
    const Fit fit = read_fit(fit_path_);
    const int64_t min_bytes = parse_size(check_min_, "--min-bytes");
    std::map<std::pair<std::string, int64_t>, std::vector<double>> errors;
    nlohmann::json rows = nlohmann::json::array();
    std::printf("%-16s %6s %12s %12s %12s %8s\n", "collective", "ranks", "bytes", "measured_us",
                "predicted_us", "error");
    for (const Measurement1& m : measurements_from(read_runs(files_))) {
      if (!fit.collectives.count(m.collective)) continue;
      const double p = fit.predict_us(m.collective, m.nranks, m.bytes);
      const double error = (p - m.time_us) / m.time_us;
      std::printf("%-16s %6lld %12.0f %12.2f %12.2f %7.1f%%\n", m.collective.c_str(),
                  static_cast<long long>(m.nranks), m.bytes, m.time_us, p, 100 * error);
      rows.push_back({{"collective", m.collective},
                      {"nranks", m.nranks},
                      {"bytes", m.bytes},
                      {"measured_us", m.time_us},
                      {"predicted_us", p},
                      {"error", error}});
      if (m.bytes >= static_cast<double>(min_bytes)) {
        errors[{m.collective, m.nranks}].push_back(std::fabs(error));
      }
    }
    if (rows.empty()) throw UsageError("no measured rows match the fit's collectives");
    nlohmann::json summary = nlohmann::json::array();
    std::printf("\n# median |error| at >= %lld bytes\n", static_cast<long long>(min_bytes));
    for (auto& [key, list] : errors) {
      std::sort(list.begin(), list.end());
      const double median = list[list.size() / 2];
      std::printf("# %-16s %4lld ranks: %6.1f%% over %zu sizes\n", key.first.c_str(),
                  static_cast<long long>(key.second), 100 * median, list.size());
      summary.push_back({{"collective", key.first},
                         {"nranks", key.second},
                         {"median_abs_error", median},
                         {"sizes", list.size()}});
    }
    if (!output_.empty()) {
      write_file_atomically(output_, nlohmann::json{{"rows", rows}, {"summary", summary}}.dump(2));
    }
    return kExitOk;
  }

  int do_whatif() {
    if (!(fraction_ > 0 && fraction_ <= 1)) throw UsageError("--fraction must be in (0, 1]");
    ClusterSpec c = cluster();
    const double bytes = static_cast<double>(parse_size(size_, "--size"));
    Degradation d;
    (degrade_ == "link" ? d.link : d.gpu) = fraction_;
    std::printf("# %s: one %s at %.0f%% of its bandwidth; all_reduce of %s\n", c.name.c_str(),
                degrade_.c_str(), 100 * fraction_, size_.c_str());
    std::printf("%10s %-14s %14s %14s %9s\n", "GPUs", "algorithm", "healthy_us", "degraded_us",
                "slowdown");
    for (int64_t gpus : {int64_t{1000}, int64_t{10000}, int64_t{100000}, int64_t{400000}}) {
      c.gpus = gpus;
      const NetworkCosts costs = network_costs(c, gpus);
      for (const char* name : {"ring", "tree", "hierarchical"}) {
        const AlgorithmModel* m = find_algorithm(Collective::kAllReduce, name);
        const double healthy = m->time_us(costs, bytes, {});
        const double slow = m->time_us(costs, bytes, d);
        std::printf("%10lld %-14s %14.1f %14.1f %8.2fx\n", static_cast<long long>(gpus), name,
                    healthy, slow, slow / healthy);
      }
    }
    return kExitOk;
  }

  CLI::App *fit_ = nullptr, *predict_ = nullptr, *check_ = nullptr, *whatif_ = nullptr;
  std::vector<std::string> files_;
  std::string output_, fit_path_, cluster_path_, preset_, degrade_ = "link";
  std::string min_bytes_ = "8", max_bytes_ = "8G", check_min_ = "64K", size_ = "1G";
  int64_t ranks_ = 0, factor_ = 2;
  int cores_ = 0;
  double fraction_ = 0.5;
};

}  // namespace

std::unique_ptr<Command> make_model_command() {
  return std::make_unique<ModelCommand>();
}

}  // namespace collbench
