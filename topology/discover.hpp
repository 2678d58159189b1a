#pragma once
// Discovery without caring whether hwloc is built in: throws UsageError when it is not.
#include <optional>
#include <string>

#include "topology/node_topology.hpp"

namespace collbench {

NodeTopology discover_node(const std::optional<std::string>& xml_path);

// Binds this process as `policy` says ("auto", "numa", "gpu"; "none" does nothing) for the
// `local_rank`-th rank of its node, and returns the cpus it is bound to afterwards ("" when
// binding is unavailable). "auto": near its GPU when `near_gpu`, else spread over NUMA nodes.
std::string bind_process(const std::string& policy, int local_rank, bool near_gpu);

}  // namespace collbench
