// `collbench run`: options -> runtime -> backend -> measurement -> sinks.
#include <algorithm>
#include <cstdio>

#include "core/errors.hpp"
#include "harness/command.hpp"
#include "harness/contention_survey.hpp"
#include "harness/measure.hpp"
#include "harness/rank_info.hpp"
#include "harness/run_cli.hpp"
#include "harness/run_metadata.hpp"
#include "harness/run_topology.hpp"
#include "harness/sweep_memory.hpp"
#include "results/atomic_file.hpp"
#include "results/csv_writer.hpp"
#include "results/jsonl_writer.hpp"
#include "results/table_printer.hpp"
#include "runtime/runtime.hpp"
#include "topology/discover.hpp"

namespace collbench {

std::unique_ptr<Command> make_copy_command();

namespace {

class RunCommand final : public Command {
 public:
  CLI::App* add_to(CLI::App& app) override {
    command_ = add_run_subcommand(app, flags_);
    return command_;
  }

  int execute(int argc, char** argv) override {
    if (is_copy_baseline_run()) return run_copy_baselines(argc, argv);
    RunOptions options;
    try {
      options = validate_run_options(flags_, *command_, join_command_line(argc, argv));
      refuse_empty_or_shared_outputs(options);
    } catch (const UsageError& e) {
      print_command_error("run", e.what());
      return kExitUsage;
    }
    try {
      // A bad saved topology is refused before any rank starts.
      if (!options.topology_xml.empty()) discover_node(options.topology_xml);
    } catch (const UsageError& e) {
      print_command_error("run", e.what());
      return kExitUsage;
    }
    launcher_ = launcher_name();  // before MPI starts: a singleton's MPI sets launcher variables
    std::unique_ptr<Runtime> runtime = start_runtime(&argc, &argv, options.timeout_s);
    return run_on_runtime(*runtime, [&] { return measure(options, *runtime); });
  }

 private:
  int measure(RunOptions options, Runtime& runtime) {
    const bool near_gpu = options.backend_config.memory == MemoryKind::kDevice ||
                          (options.backend == "auto" ? auto_backend_name(options.backend_config)
                                                     : options.backend) == "nccl";
    const RunTopology topology = prepare_run_topology(options, runtime, near_gpu);
    const nlohmann::json rank_info =
        gather_rank_info(runtime, topology.record["binding"].value("rank0_cpus", std::string("?")));
    runtime.progress().enter("contention survey");
    GpuSurveyPlan gpus;
    gpus.uses_gpus = near_gpu;
    gpus.gpus_per_process = options.backend_config.gpus_per_process;
    ContentionSurvey contention(runtime, gpus);
    runtime.progress().enter("backend start-up");
    std::unique_ptr<Backend> backend =
        create_backend(options.backend, runtime, options.backend_config);
    const std::vector<std::string> notes =
        validate_against_ranks(options, *backend, runtime.size() * backend->local_ranks());
    require_host_memory_for_sweep(options, runtime, backend->local_ranks(),
                                  runtime.size() * backend->local_ranks());

    std::unique_ptr<TablePrinter> table;
    std::unique_ptr<JsonLinesWriter> json;
    std::unique_ptr<CsvWriter> csv;
    std::vector<ResultSink*> sinks;
    std::string open_error;
    if (runtime.is_root()) {
      try {
        table = std::make_unique<TablePrinter>(stdout);
        sinks.push_back(table.get());
        if (!options.json_path.empty()) {
          json = std::make_unique<JsonLinesWriter>(options.json_path);
          sinks.push_back(json.get());
        }
        if (!options.csv_path.empty()) {
          csv = std::make_unique<CsvWriter>(options.csv_path);
          sinks.push_back(csv.get());
        }
      } catch (const UsageError& e) {
        open_error = e.what();
      }
    }
    // Only the root opens files; every rank must learn that one failed, or they would wait for it.
    SyncValues failed;
    failed.max[0] = open_error.empty() ? 0.0 : 1.0;
    if (runtime.sync(failed, "start-up (opening output files)").max[0] > 0) {
      throw UsageError(open_error.empty() ? "the root could not open an output file" : open_error);
    }
    nlohmann::json run_record = make_run_record(options, runtime, *backend);
    for (const std::string& note : notes) run_record["warnings"].push_back(note);
    run_record["launcher"] = launcher_;
    run_record["rank_info"] = rank_info;
    for (const auto& [key, value] : topology.record.items()) run_record[key] = value;
    for (const std::string& w : topology.warnings) run_record["warnings"].push_back(w);
    run_record["contention"] = contention.causes();
    // Only in the record: a run without GPU warnings then says whether its GPUs were checked.
    if (near_gpu) run_record["gpu_contention_unchecked"] = contention.gpu_unchecked();
    for (const std::string& cause : contention.causes()) run_record["warnings"].push_back(cause);
    for (ResultSink* sink : sinks) sink->begin_run(run_record);
    Measurement measurement(runtime, *backend, options, sinks);
    measurement.set_ceiling(topology.ceiling_GBps);
    const int64_t wrong = measurement.run();
    runtime.progress().enter("contention survey at the end");
    for (const std::string& cause : contention.new_causes(runtime)) {
      if (table) std::printf("# WARNING (during the run): %s\n", cause.c_str());
    }
    for (ResultSink* sink : sinks) sink->end_run();
    runtime.barrier("the end of the run");
    return wrong > 0 ? kExitWrongData : kExitOk;
  }

  // An output flag given an empty path would be ignored silently; an output that is another
  // output or the saved topology would overwrite it.
  void refuse_empty_or_shared_outputs(const RunOptions& options) const {
    const std::pair<const char*, const std::string*> outputs[] = {
        {"--output_file", &options.json_path}, {"--csv", &options.csv_path}};
    for (const auto& [flag, path] : outputs) {
      if (command_->count(flag) > 0 && path->empty())
        throw UsageError(std::string(flag) + ": the path is empty");
    }
    refuse_shared_paths({{"-J", options.json_path}, {"--csv", options.csv_path}},
                        {{"--topology-xml", options.topology_xml}});
  }

  // `collbench run h2d d2h d2d`: the copy baselines are not collectives (one process per node,
  // pinned host memory placed per NUMA node), so they run through `collbench copy` with the
  // run's size, iteration, repeat and output flags.
  bool is_copy_baseline_run() const {
    if (flags_.collectives.empty()) return false;
    return std::all_of(flags_.collectives.begin(), flags_.collectives.end(),
                       [](const std::string& c) { return c == "h2d" || c == "d2h" || c == "d2d"; });
  }

  int run_copy_baselines(int argc, char** argv) {
    std::vector<std::string> args = {"collbench", "copy"};
    args.insert(args.end(), flags_.collectives.begin(), flags_.collectives.end());
    args.insert(args.end(), {"-e", flags_.max_bytes, "-n", std::to_string(flags_.iters), "--repeat",
                             std::to_string(flags_.repeat)});
    if (!flags_.json_path.empty()) args.insert(args.end(), {"-J", flags_.json_path});
    CLI::App app;
    std::unique_ptr<Command> copy = make_copy_command();
    copy->add_to(app);
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11 wants it reversed
    app.parse(reversed);
    return copy->execute(argc, argv);
  }

  RunFlags flags_;
  CLI::App* command_ = nullptr;
  std::string launcher_ = "none";
};

}  // namespace

std::unique_ptr<Command> make_run_command() {
  return std::make_unique<RunCommand>();
}

}  // namespace collbench
