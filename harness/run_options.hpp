#pragma once
// The validated settings of `collbench run`: what the command line asked for, with nccl-tests'
// flag meanings. The measurement reads only this struct.
#include <cstdint>
#include <string>
#include <vector>

#include "collectives/backend.hpp"
#include "collectives/collective.hpp"
#include "core/dtype.hpp"
#include "core/redop.hpp"
#include "harness/size_sweep.hpp"

namespace collbench {

// -a: which rank's time a sample reports. nccl-tests' numbering.
enum class TimingRule : int { kRank0 = 0, kAverage = 1, kMin = 2, kMax = 3 };
const char* timing_rule_name(TimingRule rule);

struct RunOptions {
  std::vector<Collective> collectives;
  SweepSpec sweep;
  int iters = 20;
  int warmup_iters = 5;
  int agg_iters = 1;
  int run_cycles = 1;
  int check = 1;
  std::vector<RedOp> ops;
  std::vector<DType> dtypes;
  bool all_ops = false;  // -o all: ops the backend lacks are skipped, not refused
  int root = 0;
  TimingRule timing = TimingRule::kMax;
  int blocking = 0;
  int cudagraph = 0;
  double timeout_s = 300;
  int repeat = 5;
  int max_repeat = 20;          // an unstable row takes samples up to this many
  double max_row_time_s = 1.0;  // ... while its timed work stays below this
  bool out_of_place = true;
  bool inplace = true;
  std::string backend = "auto";
  std::string json_path;
  std::string csv_path;
  std::string bind = "auto";  // auto, none, numa, gpu
  std::string topology_xml;   // describe a saved machine instead of this one
  BackendConfig backend_config;
  std::string command_line;
};

}  // namespace collbench
