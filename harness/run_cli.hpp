#pragma once
// The `run` subcommand's command line (CLI11): flags named and lettered as in nccl-tests 2.19.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "harness/backend_flags.hpp"
#include "harness/run_options.hpp"

namespace collbench {

// Raw values as typed; validate_run_options() turns them into RunOptions with one-line errors.
struct RunFlags {
  std::vector<std::string> collectives;
  std::string min_bytes = "8", max_bytes = "64M", step_bytes = "1M";
  int64_t step_factor = 2;
  int iters = 20, warmup_iters = 5, agg_iters = 1, run_cycles = 1, check = 1;
  std::string op = "sum", dtype = "float";
  int root = 0, average = 3, blocking = 0, cudagraph = 0, parallel_init = 0;
  double timeout_s = 300;
  int repeat = 5;
  int max_repeat = 20;
  double max_row_time_s = 1.0;
  bool inplace_only = false, out_of_place_only = false, both = false;
  std::string backend = "auto", memory = "host";
  std::string json_path, csv_path;
  std::string bind = "auto", topology_xml;
  int nthreads = 1, ngpus = 1;
  BackendFlagText backend_flags;  // the options backends declare (--algo, ...)
};

CLI::App* add_run_subcommand(CLI::App& app, RunFlags& flags);

// Throws UsageError; the rank count is checked later (root, splits) once the runtime is up.
RunOptions validate_run_options(const RunFlags& flags, const CLI::App& run_command,
                                const std::string& command_line);

}  // namespace collbench
