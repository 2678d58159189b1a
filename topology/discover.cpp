#include "topology/discover.hpp"

#include "harness/errors.hpp"
#if COLLBENCH_HAVE_HWLOC
#include "topology/hwloc_topology.hpp"
#endif

namespace collbench {

NodeTopology discover_node(const std::optional<std::string>& xml_path) {
#if COLLBENCH_HAVE_HWLOC
  return HwlocTopology(xml_path).describe();
#else
  (void)xml_path;
  throw UsageError("this collbench was built without hwloc: topology discovery is unavailable");
#endif
}

std::string bind_process(const std::string& policy, int local_rank, bool near_gpu) {
#if COLLBENCH_HAVE_HWLOC
  HwlocTopology live(std::nullopt);
  if (policy == "none") return live.current_binding();
  const NodeTopology node = live.describe();
  const bool gpu = policy == "gpu" || (policy == "auto" && near_gpu && !node.gpus.empty());
  if (gpu) {
    if (node.gpus.empty()) throw UsageError("--bind gpu: no GPU in this node's topology");
    return live.bind_near_gpu(local_rank % static_cast<int>(node.gpus.size()));
  }
  return live.bind_to_numa(local_rank % std::max(1, node.numa_nodes));
#else
  (void)policy;
  (void)local_rank;
  (void)near_gpu;
  return "";
#endif
}

}  // namespace collbench
