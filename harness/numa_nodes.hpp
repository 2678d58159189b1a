#pragma once
// The NUMA nodes `collbench copy` places pinned host memory on (h2d and d2h rows): each node with
// CPUs that this process may use. A container's cpuset can exclude nodes that /sys still lists;
// binding to one fails, and first-touch would put its "node N" buffer on another node. So only
// nodes in the process's allowed memory nodes (Mems_allowed_list) with at least one allowed CPU
// (Cpus_allowed_list) are measured, and the rest are named with the reason.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace collbench {

struct NumaNode {
  int id = -1;         // -1: no node information; measured unbound
  std::set<int> cpus;  // the node's CPUs this process may run on (the binding)
};

struct NumaChoice {
  std::vector<NumaNode> usable;      // never empty: one unbound pseudo-node when nothing is known
  std::vector<std::string> skipped;  // "node 1 (...reason...)", one per node left out
};

// The choice from what the kernel says: each node's cpulist text (from /sys), and the process's
// Mems_allowed_list and Cpus_allowed_list (nullopt, or text that does not parse: no limit known).
// Nodes without CPUs (memory-only nodes) are no candidates and are not listed as skipped.
NumaChoice choose_numa_nodes(const std::map<int, std::string>& node_cpulists,
                             const std::optional<std::string>& mems_allowed_list,
                             const std::optional<std::string>& cpus_allowed_list);

// Reads SYS_ROOT/devices/system/node/node*/cpulist and the allowed lists from STATUS (this
// process's /proc status file), then chooses. Unreadable files count as "not known".
NumaChoice usable_numa_nodes(const std::string& sys_root = "/sys",
                             const std::string& status_path = "/proc/self/status");

// One header line for the skipped nodes, "" when none was skipped.
std::string skipped_numa_nodes_line(const NumaChoice& choice);

}  // namespace collbench
