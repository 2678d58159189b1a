#pragma once
// Phase 1's first step: the node's discovered topology against the spec's expectation. Missing
// GPUs or NICs, other models and PCIe links slower than the spec's generation x width FAIL;
// a link slower than its identical siblings (a reseat) WARNs.
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/validation/spec.hpp"
#include "topology/node_topology.hpp"

namespace collbench {

// One "probe" row per finding, phase "topology", with test, device, status, measured, expected.
std::vector<nlohmann::json> check_topology(const NodeTopology& node,
                                           const TopologyExpectation& expected);

// What make-spec copies as the expected topology: counts and models of this node.
nlohmann::json topology_summary(const NodeTopology& node);

}  // namespace collbench
