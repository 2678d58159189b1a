// Subcommands over results files: compare, history, report, export. None of them starts MPI.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "core/errors.hpp"
#include "harness/command.hpp"
#include "harness/size_sweep.hpp"
#include "results/atomic_file.hpp"
#include "results/compare.hpp"
#include "results/export_prometheus.hpp"
#include "results/history.hpp"
#include "results/history_location.hpp"
#include "results/report.hpp"
#include "results/report_history.hpp"

#ifndef COLLBENCH_CHARTJS_PATH
#define COLLBENCH_CHARTJS_PATH "/usr/share/javascript/chart.js/chart.min.js"
#endif

namespace collbench {
namespace {

// NaN compares false with everything, so a plain `< 0` check lets it through and every judgement
// then passes; infinity would pass everything as well.
void require_finite_non_negative(double value, const char* flag) {
  if (!std::isfinite(value) || value < 0) {
    throw UsageError(std::string(flag) + ": must be a finite number, 0 or more (got " +
                     std::to_string(value) + ")");
  }
}

std::vector<std::pair<std::string, std::string>> as_inputs(const std::vector<std::string>& paths) {
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const std::string& path : paths) inputs.push_back({"input", path});
  return inputs;
}

std::vector<RunFile> read_all(const std::vector<std::string>& paths) {
  std::vector<RunFile> runs;
  for (const std::string& path : paths) runs.push_back(read_run_file(path));
  return runs;
}

class CompareCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* c = app.add_subcommand(
        "compare",
        "Compare a run with a baseline: exit 0 no regression, 1 regression, 2 bad input");
    c->add_option("baseline", baseline_, "Baseline JSON Lines")->required();
    c->add_option("current", current_, "Current JSON Lines")->required();
    c->add_option("--threshold", threshold_, "Percent slower that counts as worse (5)");
    c->add_option("--mad", mad_,
                  "Also beyond this many robust standard deviations of the samples (3)");
    c->add_option("--ignore", ignore_,
                  "Match rows ignoring these keys: backend,ranks,host (system A vs B, NCCL vs "
                  "custom)");
    c->add_option("--format", format_, "text or markdown (text)")
        ->check(CLI::IsMember({"text", "markdown"}));
    c->add_flag("--json", json_, "Machine-readable JSON on stdout");
    return c;
  }
  int execute(int, char**) override {
    require_finite_non_negative(threshold_, "--threshold");
    require_finite_non_negative(mad_, "--mad");
    CompareOptions options;
    options.rule.threshold_pct = threshold_;
    options.rule.mad_factor = mad_;
    options.keys = parse_ignored_keys(ignore_);
    const RunFile baseline = read_run_file(baseline_);
    const RunFile current = read_run_file(current_);
    const Comparison comparison = compare_runs(baseline, current, options);
    if (json_) {
      std::cout << comparison_to_json(comparison).dump(2) << "\n";
    } else {
      std::cout << format_comparison_text(comparison, format_ == "markdown");
    }
    return comparison.regressed() ? kExitWrongData : kExitOk;
  }

 private:
  std::string baseline_, current_, format_ = "text", ignore_;
  double threshold_ = 5;
  double mad_ = 3;
  bool json_ = false;
};

class HistoryCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* h = app.add_subcommand("history", "Store runs in SQLite; trends; judge a new run");
    h->require_subcommand(1);
    h->add_option("--db", db_,
                  "Database file (default $COLLBENCH_HISTORY_DB, else "
                  "${XDG_DATA_HOME:-~/.local/share}/collbench/history.db)");
    add_ = h->add_subcommand("add", "Add runs to the history");
    add_->add_option("files", files_, "JSON Lines files")->required();
    list_ = h->add_subcommand("list", "List the stored runs, newest first");
    list_->add_option("--last", last_, "How many (30)");
    show_ = h->add_subcommand("show", "A trend: one configuration over the stored runs");
    show_->add_option("--collective", filter_.collective, "Collective")->required();
    show_->add_option("--size", size_, "Message size (bytes, K/M/G)");
    show_->add_option("--backend", filter_.backend, "Backend");
    show_->add_option("--dtype", filter_.dtype, "Datatype");
    show_->add_option("--last", last_, "How many runs (30)");
    check_ =
        h->add_subcommand("check", "Judge a run against the recent history: exit 1 on regression");
    check_->add_option("file", check_file_, "JSON Lines file")->required();
    check_->add_option("--last", last_, "History depth per configuration (30)");
    check_->add_option("--mad", mad_factor_, "Band in robust standard deviations (3)");
    check_->add_option("--threshold", threshold_, "Minimum band, percent of the median (5)");
    for (CLI::App* sub : {add_, list_, show_, check_})
      sub->add_option("--db", db_, "Database file");
    return h;
  }

  int execute(int, char**) override {
    require_history_support("history");  // a build without SQLite says so before anything else
    if (last_ < 1) throw UsageError("--last must be at least 1");
    require_finite_non_negative(mad_factor_, "--mad");
    require_finite_non_negative(threshold_, "--threshold");
    if (db_.empty()) db_ = default_history_path();
    if (add_->parsed()) {
      std::vector<RunFile> runs = read_all(files_);  // all files are checked before any is stored
      for (const RunFile& run : runs) {
        if (run.run_lines.empty()) {
          throw UsageError(run.path +
                           ": no run record: history stores whole runs (the first "
                           "record of `collbench run -J`)");
        }
        if (run.run_lines.size() > 1) {
          throw UsageError(run.path + ":" + std::to_string(run.run_lines[1]) +
                           ": run: a second run record; history adds one run per file");
        }
      }
      HistoryDb db(db_);
      std::printf("history: %s\n", db_.c_str());
      for (const RunFile& run : runs) {
        std::printf("%s: %s\n", run.path.c_str(),
                    db.add(run)
                        ? ("added " + std::to_string(run.results.size()) + " results").c_str()
                        : "already in the history");
      }
      return kExitOk;
    }
    // The file to judge is read first, so bad input is named before a missing database.
    const std::optional<RunFile> to_judge =
        check_->parsed() ? std::optional<RunFile>(read_run_file(check_file_)) : std::nullopt;
    // Reading commands never create a database: a mistyped --db must not pass as an empty history.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(db_, ec)) {
      throw UsageError("history database " + db_ + " does not exist" +
                       (std::filesystem::exists(db_, ec) ? " as a file" : "") +
                       " (history add creates it)");
    }
    HistoryDb db(db_);
    if (list_->parsed()) {
      std::printf("%6s  %-20s  %-12s  %-8s  %5s  %7s  %s\n", "id", "timestamp", "revision",
                  "backend", "ranks", "results", "file");
      for (const HistoryRun& r : db.runs(last_)) {
        std::printf("%6lld  %-20s  %-12s  %-8s  %5d  %7d  %s\n", static_cast<long long>(r.id),
                    r.timestamp.c_str(), r.git_revision.c_str(), r.backend.c_str(), r.nranks,
                    r.results, r.file.c_str());
      }
      return kExitOk;
    }
    if (show_->parsed()) return show(db);
    return check(db, *to_judge);
  }

 private:
  int show(const HistoryDb& db) {
    if (!size_.empty()) filter_.bytes = collbench::parse_size(size_, "--size");
    filter_.last = last_;
    const std::vector<HistoryPoint> points = db.series(filter_);
    if (points.empty())
      throw UsageError("no stored results match --collective " + filter_.collective);
    std::printf("%-20s  %-12s  %-8s  %-8s  %-12s  %5s  %12s  %10s  %10s  %6s\n", "timestamp",
                "revision", "backend", "dtype", "placement", "ranks", "bytes", "time_us", "busbw",
                "#wrong");
    for (const HistoryPoint& p : points) {
      std::printf("%-20s  %-12s  %-8s  %-8s  %-12s  %5d  %12lld  %10.2f  %10.3f  %6lld\n",
                  p.timestamp.c_str(), p.git_revision.c_str(), p.row.backend.c_str(),
                  p.row.dtype.c_str(), p.row.inplace ? "in-place" : "out-of-place", p.row.nranks,
                  static_cast<long long>(p.row.bytes), p.row.time_us, p.row.busbw,
                  static_cast<long long>(p.row.wrong));
    }
    return kExitOk;
  }

  int check(const HistoryDb& db, const RunFile& run) {
    int regressions = 0, judged = 0, isolated = 0, inconclusive = 0;
    for (const HistoryJudgement& j : db.check(run, last_, mad_factor_, threshold_)) {
      if (j.inconclusive) {
        ++inconclusive;
        continue;
      }
      if (!j.enough_history && !j.regression) continue;
      ++judged;
      isolated += j.isolated;
      if (!j.regression) continue;
      ++regressions;
      std::printf(
          "REGRESSION %s %lld B: busbw %.3f GB/s below %.3f (median %.3f, MAD %.3f, %d runs)%s\n",
          config_label(j.row).c_str(), static_cast<long long>(j.row.bytes), j.row.busbw, j.floor,
          j.median, j.mad, j.history_points, j.row.wrong > 0 ? " and wrong data" : "");
    }
    if (judged == 0) {
      throw UsageError("nothing to judge: none of the " + std::to_string(run.results.size()) +
                       " rows of " + check_file_ + " has 3 stored values of its configuration in " +
                       db_ + (inconclusive ? " and stable samples" : "") +
                       " (not a pass; add more runs first)");
    }
    std::printf("# %d rows judged against history, %d regressions\n", judged, regressions);
    if (inconclusive > 0) {
      std::printf("# %d rows inconclusive: their samples are unstable, not judged either way\n",
                  inconclusive);
    }
    if (isolated > 0) {
      std::printf("# %d rows below the band at one size only: noise, not judged a regression\n",
                  isolated);
    }
    return regressions ? kExitWrongData : kExitOk;
  }

  std::string db_;  // empty: default_history_path()
  std::vector<std::string> files_;
  std::string check_file_, size_;
  SeriesFilter filter_;
  int last_ = 30;
  double mad_factor_ = 3, threshold_ = 5;
  CLI::App *add_ = nullptr, *list_ = nullptr, *show_ = nullptr, *check_ = nullptr;
};

class ReportCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* r = app.add_subcommand("report", "Write a self-contained HTML report of runs");
    r->add_option("files", files_, "JSON Lines files, one chart line per run");
    r->add_option("-o,--output", output_, "HTML file (report.html)");
    r->add_option("--chartjs", chartjs_, "Chart.js to inline (Debian's libjs-chart.js)");
    history_ = r->add_option("--history", history_db_,
                             "Add busbw over time from this history database (no value: the "
                             "default history, as `history add` uses)")
                   ->expected(0, 1);
    r->add_option("--rows", rows_,
                  "History rows: COLLECTIVE or COLLECTIVE:SIZE, comma separated (default: every "
                  "collective at its largest size)")
        ->delimiter(',');
    r->add_option("--last", history_options_.last, "History points per row (30)");
    r->add_option("--mad", history_options_.mad_factor,
                  "Regression band in robust standard deviations (3)");
    r->add_option("--threshold", history_options_.threshold_pct,
                  "Minimum regression band, percent of the median (5)");
    return r;
  }
  int execute(int, char**) override {
    const bool with_history = history_->count() > 0;
    if (with_history) require_history_support("report --history");
    if (files_.empty() && !with_history)
      throw UsageError("report: give results files or --history");
    if (!with_history && !rows_.empty()) throw UsageError("--rows needs --history");
    if (history_options_.last < 1) throw UsageError("--last must be at least 1");
    require_finite_non_negative(history_options_.mad_factor, "--mad");
    require_finite_non_negative(history_options_.threshold_pct, "--threshold");
    for (const std::string& row : rows_) {
      const auto colon = row.find(':');
      HistoryRowChoice choice{row.substr(0, colon), std::nullopt};
      if (choice.collective.empty()) throw UsageError("--rows: '" + row + "' names no collective");
      if (colon != std::string::npos) choice.bytes = parse_size(row.substr(colon + 1), "--rows");
      history_options_.rows.push_back(choice);
    }
    std::vector<std::pair<std::string, std::string>> inputs = as_inputs(files_);
    inputs.push_back({"--chartjs", chartjs_});
    if (with_history) inputs.push_back({"--history", history_db_});
    refuse_shared_paths({{"-o", output_}}, inputs);
    const std::vector<RunFile> runs = read_all(files_);
    ReportSection history_section;
    std::unique_ptr<HistoryDb> db;
    if (with_history) {
      if (history_db_.empty()) history_db_ = default_history_path();
      if (!std::filesystem::exists(history_db_)) {
        throw UsageError("--history: no history database at " + history_db_);
      }
      db = std::make_unique<HistoryDb>(history_db_);
      history_section = [&](nlohmann::json& charts) {
        return history_section_html(*db, history_options_, charts);
      };
    }
    write_file_atomically(output_, make_report_html(runs, chartjs_, history_section));
    std::printf("wrote %s (%zu runs%s)\n", output_.c_str(), runs.size(),
                with_history ? (", history " + history_db_).c_str() : "");
    return kExitOk;
  }

 private:
  std::vector<std::string> files_, rows_;
  std::string output_ = "report.html";
  std::string chartjs_ = COLLBENCH_CHARTJS_PATH;
  std::string history_db_;
  CLI::Option* history_ = nullptr;
  HistoryReportOptions history_options_;
};

class ExportCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    CLI::App* e = app.add_subcommand("export", "Export the latest results for other tools");
    e->add_option("files", files_, "JSON Lines files")->required();
    e->add_option("--format", format_, "prometheus (text exposition format)")
        ->check(CLI::IsMember({"prometheus"}));
    e->add_option("-o,--output", output_, "Output file (written atomically; default stdout)");
    return e;
  }
  int execute(int, char**) override {
    refuse_shared_paths({{"-o", output_}}, as_inputs(files_));
    const std::string text = export_prometheus(read_all(files_));
    if (output_.empty()) {
      std::fputs(text.c_str(), stdout);
    } else {
      write_file_atomically(output_, text);
    }
    return kExitOk;
  }

 private:
  std::vector<std::string> files_;
  std::string format_ = "prometheus";
  std::string output_;
};

}  // namespace

std::unique_ptr<Command> make_compare_command() {
  return std::make_unique<CompareCommand>();
}
std::unique_ptr<Command> make_history_command() {
  return std::make_unique<HistoryCommand>();
}
std::unique_ptr<Command> make_report_command() {
  return std::make_unique<ReportCommand>();
}
std::unique_ptr<Command> make_export_command() {
  return std::make_unique<ExportCommand>();
}

}  // namespace collbench
