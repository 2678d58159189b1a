#pragma once
// One topology survey of the run's nodes: the first rank of each node discovers its node, and the
// root receives one fixed-size record per node (host, fingerprint hash, first degraded-link
// warning) -- O(nodes) at the root, never O(ranks). Used by `collbench topo` and `collbench run`.
#include <optional>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "topology/fleet.hpp"
#include "topology/node_topology.hpp"

namespace collbench {

struct NodeReport {
  std::string host;
  std::string fingerprint;  // hash, hex
  std::string first_warning;
};

struct NodeSurvey {
  NodeTopology local;             // this node (filled on each node's first rank)
  std::vector<NodeReport> nodes;  // every node, on the root only
  std::vector<std::string> odd;   // hosts whose fingerprint is unlike the majority (root)
};

NodeSurvey survey_nodes(Runtime& runtime, const std::optional<std::string>& xml_path);

}  // namespace collbench
