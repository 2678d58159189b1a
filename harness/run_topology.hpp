#pragma once
// What `collbench run` learns from the topology before measuring: each rank binds itself, node
// leaders discover their node, and the root gets one fixed-size record per node (fingerprint and
// first degraded-link warning) to name odd hosts and repeat warnings in the header.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/run_options.hpp"
#include "runtime/runtime.hpp"

namespace collbench {

struct RunTopology {
  nlohmann::json record;  // fields for the run record: topology, fingerprint, binding, ceiling
  std::vector<std::string> warnings;
  double ceiling_GBps = 0;
};

RunTopology prepare_run_topology(const RunOptions& options, Runtime& runtime, bool device_memory);

}  // namespace collbench
