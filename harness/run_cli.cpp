#include "harness/run_cli.hpp"

#include <algorithm>

#include "core/errors.hpp"

namespace collbench {

const char* timing_rule_name(TimingRule rule) {
  switch (rule) {
    case TimingRule::kRank0:
      return "rank0";
    case TimingRule::kAverage:
      return "avg";
    case TimingRule::kMin:
      return "min";
    case TimingRule::kMax:
      return "max";
  }
  return "max";
}

CLI::App* add_run_subcommand(CLI::App& app, RunFlags& f) {
  CLI::App* run = app.add_subcommand(
      "run", "Measure collectives over a sweep of message sizes (one process per rank)");
  run->add_option("collectives", f.collectives,
                  "Collectives to measure: " + collective_names() +
                      " or all (nccl-tests spellings such as alltoall accepted; default "
                      "all_reduce all_to_all)");
  run->add_option("-b,--minbytes", f.min_bytes, "Smallest size in bytes, K/M/G suffixes (8)");
  run->add_option("-e,--maxbytes", f.max_bytes, "Largest size in bytes (64M)");
  run->add_option("-i,--stepbytes", f.step_bytes,
                  "Additive step, used when -f is 1 or when -i is given without -f (1M)");
  run->add_option("-f,--stepfactor", f.step_factor, "Multiplicative step (2)");
  run->add_option("-n,--iters", f.iters, "Operations per timed sample (20)");
  run->add_option("-w,--warmup_iters", f.warmup_iters, "Untimed operations per size (5)");
  run->add_option("-m,--agg_iters", f.agg_iters,
                  "Operations aggregated per iteration (grouped by backends that can) (1)");
  run->add_option("-N,--run_cycles", f.run_cycles, "Run the whole sweep N times (1)");
  run->add_option("-c,--check", f.check, "Verify results: 0 off, >0 on (1)");
  run->add_option("-o,--op", f.op,
                  "Reductions: " + redop_names() + "; a comma-separated list, or all (sum)");
  run->add_option("-d,--datatype", f.dtype,
                  "Datatypes: " + dtype_names() + "; a comma-separated list, or all (float)");
  run->add_option("-r,--root", f.root, "Root rank of broadcast and reduce (0)");
  run->add_option("-a,--average", f.average,
                  "Time reported: 0 rank 0, 1 average of ranks, 2 fastest, 3 slowest rank (3)");
  run->add_option("-z,--blocking", f.blocking, "Complete each operation before the next (0)");
  run->add_option("-G,--cudagraph", f.cudagraph,
                  "Capture iterations in a CUDA graph, launch it N times (GPU backends) (0)");
  run->add_option("-T,--timeout", f.timeout_s,
                  "Seconds without progress before the run ends with exit code 3 (300; 0 off)");
  run->add_option("-J,--output_file", f.json_path, "Write JSON Lines results to FILE");
  run->add_option("--csv", f.csv_path, "Write CSV results to FILE");
  run->add_option("--repeat", f.repeat, "Timed samples per size: median, min and max reported (5)");
  run->add_option("--max-repeat", f.max_repeat,
                  "An unstable row takes more samples, up to this many (20; = --repeat: off)");
  run->add_option("--max-row-time", f.max_row_time_s,
                  "... while the row's timed work stays below this many seconds (1; 0: off)");
  run->add_flag("--inplace", f.inplace_only, "Measure in-place operations only");
  run->add_flag("--outofplace", f.out_of_place_only, "Measure out-of-place operations only");
  run->add_flag("--both", f.both, "Measure both placements (default)");
  run->add_option("--backend", f.backend, "Backend: " + backend_names() + " (auto)");
  run->add_option("--memory", f.memory, "Buffer memory: host or device (host)");
  run->add_option("-t,--nthreads", f.nthreads, "Threads per process (1)");
  run->add_option("-g,--ngpus", f.ngpus, "GPUs per thread (1)");
  run->add_option("-p,--parallel_init", f.parallel_init, "Not supported: must be 0");
  run->add_option(
      "--bind", f.bind,
      "Bind ranks: auto (near their GPU, else spread over NUMA nodes), numa, gpu, none");
  run->add_option("--topology-xml", f.topology_xml,
                  "Describe a saved hwloc XML instead of this machine (header, record, ceiling)");
  add_backend_flags(*run, f.backend_flags);
  return run;
}

namespace {

// "all", one name, or a comma-separated list of names (a collbench extension of nccl-tests' -d/-o).
template <typename T, typename Parse>
std::vector<T> parse_list(const std::string& text, const char* what, Parse parse,
                          const std::vector<T>& all, const std::string& known) {
  if (text == "all") return all;
  std::vector<T> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, comma - start);
    auto value = parse(name);
    if (!value) {
      throw UsageError(std::string("unknown ") + what + " '" + name + "' (choose from " + known +
                       ", or all)");
    }
    if (std::find(out.begin(), out.end(), *value) == out.end()) out.push_back(*value);
    start = comma + 1;
  }
  return out;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw UsageError(message);
}

}  // namespace

RunOptions validate_run_options(const RunFlags& f, const CLI::App& run_command,
                                const std::string& command_line) {
  RunOptions o;
  o.command_line = command_line;
  const std::vector<std::string> names =
      f.collectives.empty() ? std::vector<std::string>{"all_reduce", "all_to_all"} : f.collectives;
  for (const std::string& name : names) {
    if (name == "all") {
      for (const CollectiveSpec& spec : all_collectives()) o.collectives.push_back(spec.id);
      continue;
    }
    auto id = parse_collective(name);
    require(id.has_value() || (name != "h2d" && name != "d2h" && name != "d2d"),
            "'" + name +
                "' is a copy baseline: give copy baselines alone (`collbench run h2d "
                "d2h d2d` runs them through `collbench copy`, see docs/gpu.md)");
    require(id.has_value(),
            "unknown collective '" + name + "' (choose from " + collective_names() + ")");
    o.collectives.push_back(*id);
  }
  o.sweep.min_bytes = parse_size(f.min_bytes, "-b/--minbytes");
  o.sweep.max_bytes = parse_size(f.max_bytes, "-e/--maxbytes");
  o.sweep.step_bytes = parse_size(f.step_bytes, "-i/--stepbytes");
  require(f.step_factor >= 1, "invalid -f/--stepfactor " + std::to_string(f.step_factor) +
                                  ": must be 1 (additive) or more");
  // nccl-tests steps by -i unless -f > 1; its -f defaults to 1. Ours defaults to 2, so a script
  // that passes -i alone still gets nccl-tests' additive sweep.
  const bool step_given = run_command.count("--stepbytes") > 0;
  const bool factor_given = run_command.count("--stepfactor") > 0;
  o.sweep.step_factor = (step_given && !factor_given) ? 1 : f.step_factor;
  sweep_sizes(o.sweep);  // reports min > max and runaway sweeps now, before any rank starts

  require(f.iters >= 1, "invalid -n/--iters " + std::to_string(f.iters) + ": must be at least 1");
  require(f.warmup_iters >= 0, "invalid -w/--warmup_iters: must be 0 or more");
  require(f.agg_iters >= 1, "invalid -m/--agg_iters: must be at least 1");
  require(f.run_cycles >= 1,
          "invalid -N/--run_cycles " + std::to_string(f.run_cycles) +
              ": must be at least 1 (endless runs are not supported: output stays bounded)");
  require(f.check >= 0, "invalid -c/--check: must be 0 or more");
  require(f.repeat >= 1, "invalid --repeat " + std::to_string(f.repeat) + ": must be at least 1");
  const bool max_repeat_given = run_command.count("--max-repeat") > 0;
  require(!max_repeat_given || f.max_repeat >= f.repeat,
          "invalid --max-repeat " + std::to_string(f.max_repeat) + ": must be at least --repeat (" +
              std::to_string(f.repeat) + ")");
  require(f.max_row_time_s >= 0 && f.max_row_time_s <= 3600,
          "invalid --max-row-time: must be 0 (off) to 3600 seconds");
  require(f.average >= 0 && f.average <= 3,
          "invalid -a/--average " + std::to_string(f.average) + ": choose 0, 1, 2 or 3");
  require(f.blocking == 0 || f.blocking == 1, "invalid -z/--blocking: choose 0 or 1");
  require(f.cudagraph >= 0, "invalid -G/--cudagraph: must be 0 or more");
  require(f.timeout_s >= 0, "invalid -T/--timeout: must be 0 (off) or more seconds");
  require(f.root >= 0, "invalid -r/--root " + std::to_string(f.root) + ": must be a rank");
  require(f.parallel_init == 0, "-p/--parallel_init is not supported yet");
  require(f.nthreads >= 1 && f.ngpus >= 1, "-t and -g must be at least 1");
  require(static_cast<int>(f.inplace_only) + static_cast<int>(f.out_of_place_only) +
                  static_cast<int>(f.both) <=
              1,
          "choose one of --inplace, --outofplace and --both");

  std::vector<RedOp> all_ops;
  for (const RedOpInfo& info : all_redops()) all_ops.push_back(info.id);
  o.ops = parse_list<RedOp>(f.op, "op", parse_redop, all_ops, redop_names());
  o.all_ops = f.op == "all";
  std::vector<DType> all_types;
  for (const DTypeInfo& info : all_dtypes()) all_types.push_back(info.id);
  o.dtypes = parse_list<DType>(f.dtype, "datatype", parse_dtype, all_types, dtype_names());

  o.iters = f.iters;
  o.warmup_iters = f.warmup_iters;
  o.agg_iters = f.agg_iters;
  o.run_cycles = f.run_cycles;
  o.check = f.check;
  o.root = f.root;
  o.timing = static_cast<TimingRule>(f.average);
  o.blocking = f.blocking;
  o.cudagraph = f.cudagraph;
  o.timeout_s = f.timeout_s;
  o.repeat = f.repeat;
  o.max_repeat = std::max(f.max_repeat, f.repeat);
  o.max_row_time_s = f.max_row_time_s;
  o.out_of_place = !f.inplace_only;
  o.inplace = !f.out_of_place_only;
  o.backend = f.backend;
  o.json_path = f.json_path;
  require(f.bind == "auto" || f.bind == "none" || f.bind == "numa" || f.bind == "gpu",
          "invalid --bind '" + f.bind + "': choose auto, numa, gpu or none");
  o.bind = f.bind;
  o.topology_xml = f.topology_xml;
  o.csv_path = f.csv_path;

  require(f.memory == "host" || f.memory == "device",
          "invalid --memory '" + f.memory + "': choose host or device");
  o.backend_config.memory = f.memory == "host" ? MemoryKind::kHost : MemoryKind::kDevice;
  o.backend_config.gpus_per_process = f.ngpus;
  o.backend_config.threads = f.nthreads;
  o.backend_config.cuda_graph_launches = f.cudagraph;
  o.backend_config.agg_iters = f.agg_iters;
  o.backend_config.blocking = f.blocking;
  o.backend_config.timeout_s = f.timeout_s;
  o.backend_config.options = backend_option_values(run_command, f.backend_flags);
  require(o.backend == "auto" || find_backend(o.backend) != nullptr,
          "unknown backend '" + o.backend + "' (choose from " + backend_names() + ")");
  // An option the named backend does not have is an error now, before any rank starts (`auto`
  // is checked once it is resolved).
  if (o.backend != "auto")
    check_backend_options(*find_backend(o.backend), o.backend_config.options);
  return o;
}

}  // namespace collbench
