// `collbench validate`: rack and fleet validation (docs/validation.md). Under mpirun it runs the
// phases of validate_phases.cpp and prints one verdict per node; with --make-spec it turns the
// JSON Lines of known-good runs into a spec. Exit 0 all pass, 1 any FAIL, 2 bad spec or usage,
// 3 runtime failure or timeout (the stuck ranks and their nodes are named).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>

#include "collectives/backend.hpp"
#include "core/errors.hpp"
#include "core/statistics.hpp"
#include "harness/backend_flags.hpp"
#include "harness/command.hpp"
#include "harness/run_metadata.hpp"
#include "harness/size_sweep.hpp"
#include "harness/validate_options.hpp"
#include "harness/validate_phases.hpp"
#include "results/atomic_file.hpp"
#include "results/jsonl_writer.hpp"
#include "results/reader.hpp"
#include "results/record.hpp"
#include "results/report_validation.hpp"
#include "runtime/runtime.hpp"
#include "validation/make_spec.hpp"
#include "validation/topology_check.hpp"
#include "validation/verdict_stream.hpp"
#include "validation/verdicts.hpp"

namespace collbench {
namespace {

constexpr std::size_t kEvidenceLines = 40;  // on stdout; the JSON Lines keep everything

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

class ValidateCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    command_ = app.add_subcommand(
        "validate",
        "Rack and fleet validation under mpirun: per node, per pair of nodes and per rail, then "
        "the whole fleet (bisected when it falls short); a PASS/WARN/FAIL verdict per node");
    command_->add_option("--spec", spec_path_,
                         "Node-type spec (JSON) with the expected topology "
                         "and thresholds; without one, measure and report");
    command_->add_flag("--make-spec", make_spec_,
                       "Write a spec from the JSON Lines of known-good validate runs (inputs)");
    command_->add_option("inputs", inputs_, "--make-spec: JSON Lines files of validate runs");
    command_->add_option("-o,--output", spec_output_, "--make-spec: the spec file to write");
    command_->add_option("--margin", margin_,
                         "--make-spec: FAIL below median x (1 - margin) (0.2)");
    command_->add_option("--name", spec_name_, "--make-spec: the spec's name");
    command_->add_option("--ranks-per-node", ranks_per_node_,
                         "Group ranks into virtual nodes of K (HOST/vN: ranks N*K..N*K+K-1)");
    command_->add_option("-J,--output_file", json_path_,
                         "Write the run, probe and verdict records as JSON Lines to FILE");
    command_->add_option("--backend", backend_, "Backend of every measurement (auto)");
    command_->add_option("--memory", memory_, "host or device buffers (host)");
    command_->add_option("-n,--iters", iters_, "Operations per timed sample (20)");
    command_->add_option("-w,--warmup_iters", warmup_, "Warm-up operations (5)");
    command_->add_option("--repeat", repeat_, "Timed samples; the median is judged (5)");
    command_->add_option("-T,--timeout", timeout_s_,
                         "Seconds without progress before the stuck ranks are named (300)");
    command_->add_option(
        "--collectives", collectives_,
        "Without spec checks for a phase: what it measures (all_reduce,all_to_all)");
    command_->add_option("--bytes", bytes_,
                         "Without spec checks for a phase: the sizes it measures (8,16M)");
    command_->add_option("--phases", phases_, "Phases to run (node,pair,rail,fleet)");
    command_->add_option("--pair-rounds", pair_rounds_,
                         "Random pairing rounds for fleets above --round-robin-max nodes (5)");
    command_->add_option("--round-robin-max", round_robin_max_,
                         "Largest fleet that plays a full round robin (32)");
    command_->add_option("--seed", seed_, "Seed of the random pairings (1)");
    command_->add_option("--retries", retries_,
                         "Measure a probe that misses its threshold again, up to N times (1)");
    command_->add_option("--topology-xml", topology_xml_,
                         "Check this saved hwloc topology instead of the live node");
    add_backend_flags(*command_, backend_flags_);
    return command_;
  }

  int execute(int argc, char** argv) override {
    ValidateOptions options;
    try {
      if (make_spec_) return write_spec();
      options = validated_options(join_command_line(argc, argv));
    } catch (const UsageError& e) {
      print_command_error("validate", e.what());
      return kExitUsage;
    }
    std::unique_ptr<Runtime> runtime = start_runtime(&argc, &argv, options.run.timeout_s);
    return run_on_runtime(*runtime, [&] { return validate(options, *runtime); });
  }

 private:
  ValidateOptions validated_options(const std::string& command_line) const {
    ValidateOptions o;
    if (!inputs_.empty()) throw UsageError("input files are read only with --make-spec");
    if (!spec_output_.empty()) throw UsageError("-o/--output goes with --make-spec");
    refuse_shared_paths({{"-J", json_path_}},
                        {{"--spec", spec_path_}, {"--topology-xml", topology_xml_}});
    if (!spec_path_.empty()) {
      o.spec = read_spec_file(spec_path_);
      o.spec_path = spec_path_;
    }
    if (ranks_per_node_ < 0) throw UsageError("invalid --ranks-per-node: must be 1 or more");
    o.ranks_per_node = ranks_per_node_;
    o.phases.clear();
    for (const std::string& name : split_list(phases_)) {
      const auto phase = parse_phase(name);
      if (!phase || *phase == Phase::kCopy) {
        throw UsageError("unknown phase '" + name + "' in --phases (node, pair, rail, fleet)");
      }
      o.phases.push_back(*phase);
    }
    if (o.phases.empty()) throw UsageError("--phases names no phase");
    for (const std::string& c : split_list(collectives_)) {
      if (!parse_collective(c)) {
        throw UsageError("unknown collective '" + c + "' in --collectives (" + collective_names() +
                         ")");
      }
      for (const std::string& b : split_list(bytes_)) {
        const int64_t bytes = parse_size(b, "--bytes");
        if (bytes <= 0) throw UsageError("--bytes: sizes must be positive");
        o.default_probes.push_back({c, bytes});
      }
    }
    if (o.default_probes.empty()) throw UsageError("--collectives and --bytes give no probe");
    if (pair_rounds_ < 1) throw UsageError("--pair-rounds must be at least 1");
    if (round_robin_max_ < 2) throw UsageError("--round-robin-max must be at least 2");
    o.random_pair_rounds = pair_rounds_;
    o.round_robin_max_nodes = round_robin_max_;
    o.seed = seed_;
    if (retries_ < 0) throw UsageError("--retries must be 0 or more");
    o.retries = retries_;
    o.topology_xml = topology_xml_;
    if (iters_ < 1 || repeat_ < 1 || warmup_ < 0) {
      throw UsageError("-n/--iters and --repeat must be at least 1, -w/--warmup_iters at least 0");
    }
    if (timeout_s_ < 0) throw UsageError("invalid -T/--timeout: must be 0 (off) or more seconds");
    RunOptions& run = o.run;
    run.iters = iters_;
    run.warmup_iters = warmup_;
    run.repeat = repeat_;
    run.timeout_s = timeout_s_;
    run.check = 1;
    run.dtypes = {DType::kFloat32};
    run.ops = {RedOp::kSum};
    run.out_of_place = true;
    run.inplace = false;
    run.backend = backend_;
    run.command_line = command_line;
    if (backend_ != "auto" && !find_backend(backend_)) {
      throw UsageError("unknown backend '" + backend_ + "' (choose from " + backend_names() + ")");
    }
    if (memory_ != "host" && memory_ != "device") {
      throw UsageError("invalid --memory '" + memory_ + "': choose host or device");
    }
    run.backend_config.memory = memory_ == "host" ? MemoryKind::kHost : MemoryKind::kDevice;
    run.backend_config.timeout_s = run.timeout_s;
    run.backend_config.options = backend_option_values(*command_, backend_flags_);
    if (backend_ != "auto")
      check_backend_options(*find_backend(backend_), run.backend_config.options);
    return o;
  }

  int write_spec() const {
    if (inputs_.empty()) throw UsageError("--make-spec needs the JSON Lines of validate runs");
    if (spec_output_.empty()) throw UsageError("--make-spec needs -o/--output FILE");
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const std::string& path : inputs_) inputs.push_back({"input", path});
    refuse_shared_paths({{"-o", spec_output_}}, inputs);
    std::vector<nlohmann::json> probes;
    std::vector<nlohmann::json> runs;
    for (const std::string& path : inputs_) {
      const RunFile file = read_run_file(path);
      if (!file.run.empty()) runs.push_back(file.run);
      for (const nlohmann::json& record : file.others) {
        if (record.value("type", "") == "probe") probes.push_back(record);
      }
    }
    MakeSpecOptions options;
    options.margin = margin_;
    options.name = spec_name_;
    std::vector<std::string> warnings;
    const ValidationSpec spec = make_spec(probes, runs, options, inputs_, &warnings);
    write_file_atomically(spec_output_, spec_to_json(spec).dump(2) + "\n");
    for (const std::string& w : warnings)
      std::fprintf(stderr, "collbench: warning: %s\n", w.c_str());
    std::printf("collbench: wrote %s: %zu checks from %zu probes of %zu files\n",
                spec_output_.c_str(), spec.checks.size(), probes.size(), inputs_.size());
    return kExitOk;
  }

  int validate(const ValidateOptions& options, Runtime& runtime) {
    ValidationRun run(runtime, options);
    runtime.progress().enter("validate: run record");
    std::unique_ptr<Backend> backend =
        create_backend(options.run.backend, runtime, options.run.backend_config);
    nlohmann::json run_record = make_run_record(options.run, runtime, *backend);
    backend.reset();
    run_record["settings"].update({{"min_bytes", 1}, {"max_bytes", 1}});
    // Finished probes go to FILE.partial as each step ends, so a node that hangs later (exit 3)
    // costs only the step it hangs in; FILE itself is replaced only by a finished run.
    std::unique_ptr<JsonLinesWriter> json;
    std::string open_error;
    const std::string partial = json_path_ + ".partial";
    if (runtime.is_root()) {
      print_header(options, run);
      if (!json_path_.empty()) {
        try {
          json = std::make_unique<JsonLinesWriter>(json_path_);  // writes FILE.partial
        } catch (const UsageError& e) {
          open_error = e.what();
        }
      }
    }
    SyncValues failed_open;
    failed_open.max[0] = open_error.empty() ? 0.0 : 1.0;
    if (runtime.sync(failed_open, "validate: opening the output").max[0] > 0) {
      throw UsageError(open_error.empty() ? "the root could not open " + partial : open_error);
    }
    const std::vector<std::string>& names = run.node_names();
    const auto started = std::chrono::steady_clock::now();
    bool run_written = false;
    auto write = [&](nlohmann::json record) {
      record["schema_version"] = kSchemaVersion;
      if (json) json->write(record);
    };
    VerdictStream verdicts_so_far(names);
    auto write_verdicts = [&](const std::vector<nlohmann::json>& verdicts) {
      for (const nlohmann::json& v : verdicts) write(v);
    };
    run.set_step_listener([&](std::vector<nlohmann::json>& rows, const std::string& progress,
                              const std::vector<std::string>& settled) {
      mark_odd_fingerprints(rows);
      if (!run_written) {
        if (!run.node_topology().is_null()) run_record["node_topology"] = run.node_topology();
        run_record["validate"] = {{"spec", options.spec ? options.spec->name : ""},
                                  {"spec_file", options.spec_path},
                                  {"nodes", run.nodes()},
                                  {"ranks_per_node", run.ranks_per_node()},
                                  {"virtual_nodes", options.ranks_per_node > 0},
                                  {"pairing", run.pairing_description()}};
        if (json) json->write(run_record);
        run_written = true;
      }
      for (const nlohmann::json& row : rows) write(name_nodes(row, names));
      // Verdicts of the phases this step completed go out now: a later hang cannot take them.
      const std::vector<nlohmann::json> settled_verdicts = verdicts_so_far.add_step(rows, settled);
      write_verdicts(settled_verdicts);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::string written;
      if (json) {
        written =
            ", " + std::to_string(rows.size() + settled_verdicts.size()) + " records to " + partial;
        if (!settled_verdicts.empty()) {
          written += " (" + std::to_string(settled_verdicts.size()) + " verdicts)";
        }
      }
      std::printf("# progress %6.1f s: %s%s\n", seconds, progress.c_str(), written.c_str());
      std::fflush(stdout);
    });
    run.run();
    std::vector<nlohmann::json> rows = run.gather_rows();
    int status = kExitOk;
    if (runtime.is_root()) {
      const ValidationVerdicts verdicts = build_verdicts(rows, names);
      for (nlohmann::json& row : rows) row = name_nodes(row, names);
      write_verdicts(verdicts_so_far.finish());
      int judged = 0;
      for (const nlohmann::json& v : verdicts.records) judged += v.value("check", "") == "overall";
      std::printf("# progress: nodes judged %d/%d\n", judged, run.nodes());
      print(run, rows, verdicts);
      if (json) json->end_run();  // FILE.partial becomes FILE
      status = verdicts.overall == Status::kFail ? kExitWrongData : kExitOk;
    }
    SyncValues result;
    result.max[0] = status;
    return static_cast<int>(runtime.sync(result, "the end of validation").max[0]);
  }

  // Rows name their nodes in the output; inside the run they carry node indices.
  static nlohmann::json name_nodes(nlohmann::json row, const std::vector<std::string>& names) {
    if (!row.contains("nodes")) return row;
    nlohmann::json named = nlohmann::json::array();
    for (const auto& n : row["nodes"]) {
      named.push_back(n.is_number() ? nlohmann::json(names[n.get<std::size_t>()]) : n);
    }
    row["nodes"] = named;
    return row;
  }

  const std::string& options_json_path() const { return json_path_; }

  void print_header(const ValidateOptions& options, const ValidationRun& run) const {
    std::printf("# collbench validate: %d nodes x %d ranks%s, backend %s, %s\n", run.nodes(),
                run.ranks_per_node(), options.ranks_per_node > 0 ? " (virtual nodes)" : "",
                options.run.backend.c_str(),
                options.spec
                    ? ("spec " + options.spec->name + " (" + options.spec_path + ")").c_str()
                    : "no spec: measuring and reporting only");
    if (!run.pairing_description().empty()) {
      std::printf("# pairing: %s\n", run.pairing_description().c_str());
    }
    if (!json_path_.empty()) {
      std::printf("# writing %s.partial as each step ends; %s when the run completes\n",
                  json_path_.c_str(), json_path_.c_str());
    }
    std::fflush(stdout);
  }

  void print(const ValidationRun& run, const std::vector<nlohmann::json>& rows,
             const ValidationVerdicts& verdicts) const {
    // What each phase measured: median, worst and best over its groups.
    std::map<std::pair<int, std::string>, std::vector<const nlohmann::json*>> by_check;
    for (const nlohmann::json& row : rows) {
      const auto phase = parse_phase(row.value("phase", ""));
      if (phase && row.contains("bytes") && row.contains("measured") &&
          row["measured"].is_number()) {
        const std::string label = describe_check(row) + " [" + row.value("unit", "") + "]";
        by_check[{static_cast<int>(*phase), label}].push_back(&row);
      }
    }
    std::printf("#\n# %-44s %6s %10s %10s %10s %10s  %s\n", "measured", "groups", "median", "worst",
                "warn limit", "fail limit", "worst group");
    for (const auto& [key, list] : by_check) {
      const std::string& label = key.second;
      std::vector<double> values;
      for (const nlohmann::json* row : list) values.push_back((*row)["measured"].get<double>());
      const bool latency = list.front()->value("unit", "") == "us";
      const auto worst = latency ? std::max_element(list.begin(), list.end(),
                                                    [](auto* a, auto* b) {
                                                      return (*a)["measured"] < (*b)["measured"];
                                                    })
                                 : std::min_element(list.begin(), list.end(), [](auto* a, auto* b) {
                                     return (*a)["measured"] < (*b)["measured"];
                                   });
      std::string where;
      for (const auto& n : (**worst)["nodes"]) {
        if (!where.empty()) where += "+";
        where += n.get<std::string>();
      }
      std::printf("  %-44s %6zu %10.4g %10s %10s %10s  %s\n", label.c_str(), list.size(),
                  median(values), verdict_value_text((**worst)["measured"]).c_str(),
                  verdict_value_text((**worst).value("warn_limit", nlohmann::json())).c_str(),
                  verdict_value_text((**worst).value("fail_limit", nlohmann::json())).c_str(),
                  where.c_str());
    }
    std::printf("#\n# %-24s %-6s %7s %7s %7s\n", "node", "status", "passed", "failed", "warned");
    for (const nlohmann::json& v : verdicts.records) {
      if (v.value("check", "") != "overall") continue;
      std::printf("  %-24s %-6s %7s %7d %7d\n", v["node"].get<std::string>().c_str(),
                  v["status"].get<std::string>().c_str(), verdict_value_text(v["measured"]).c_str(),
                  v.value("failed", 0), v.value("warned", 0));
    }
    std::size_t printed = 0;
    std::size_t problems = 0;
    for (const nlohmann::json& v : verdicts.records) {
      if (v.value("check", "") == "overall") continue;
      ++problems;
      if (printed == kEvidenceLines) continue;
      if (printed++ == 0) std::printf("#\n# evidence (FAIL and WARN):\n");
      std::string line = "  " + v["status"].get<std::string>() + " " +
                         v["node"].get<std::string>() + ": " + v["check"].get<std::string>();
      if (v.contains("partner")) line += " with " + v["partner"].get<std::string>();
      if (!v["measured"].is_null()) {
        line += ": measured " + verdict_value_text(v["measured"]);
        if (!v.value("unit", "").empty()) line += " " + v.value("unit", "");
        // Threshold checks show both limits, so a WARN does not read as a pass.
        if (const std::string limits = limits_text(v); !limits.empty()) {
          line += " (" + limits + ")";
        } else if (!v["expected"].is_null()) {
          line += ", expected " + verdict_value_text(v["expected"]);
        }
      }
      if (v.contains("detail")) line += " (" + v["detail"].get<std::string>() + ")";
      std::printf("%s\n", line.c_str());
    }
    if (problems > printed) {
      std::printf("  ... and %zu more in the JSON Lines (-J)\n", problems - printed);
    }
    int failed = 0;
    for (Status s : verdicts.node_status) failed += s == Status::kFail;
    int inconclusive = 0;
    for (const nlohmann::json& row : rows) inconclusive += row.value("inconclusive", false) ? 1 : 0;
    if (inconclusive > 0) {
      std::printf(
          "# %d probe(s) inconclusive: missed a limit with unstable samples (WARN, not FAIL)\n",
          inconclusive);
    }
    std::printf("# fleet: %s\n# verdict: %s (%d of %d nodes FAIL)\n",
                status_name(verdicts.fleet_status), status_name(verdicts.overall), failed,
                run.nodes());
    std::fflush(stdout);
  }

  CLI::App* command_ = nullptr;
  std::string spec_path_;
  bool make_spec_ = false;
  std::vector<std::string> inputs_;
  std::string spec_output_;
  double margin_ = 0.2;
  std::string spec_name_;
  int ranks_per_node_ = 0;
  std::string json_path_;
  std::string backend_ = "auto";
  std::string memory_ = "host";
  BackendFlagText backend_flags_;  // the options backends declare (--fault-rank, --algo, ...)
  int iters_ = 20;
  int warmup_ = 5;
  int repeat_ = 5;
  double timeout_s_ = 300;
  std::string collectives_ = "all_reduce,all_to_all";
  std::string bytes_ = "8,16M";
  std::string phases_ = "node,pair,rail,fleet";
  int pair_rounds_ = 5;
  int round_robin_max_ = 32;
  uint64_t seed_ = 1;
  int retries_ = 1;
  std::string topology_xml_;
};

}  // namespace

std::unique_ptr<Command> make_validate_command() {
  return std::make_unique<ValidateCommand>();
}

}  // namespace collbench
