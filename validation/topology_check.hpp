#pragma once
// Phase 1's first step: the node's discovered topology against the spec's expectation. Missing
// GPUs or NICs, other models and PCIe links slower than the spec's generation x width FAIL;
// a link slower than its identical siblings (a reseat) WARNs.
#include <vector>

#include <nlohmann/json.hpp>

#include "topology/node_topology.hpp"
#include "validation/spec.hpp"

namespace collbench {

// One "probe" row per finding, phase "topology", with test, device, status, measured, expected.
std::vector<nlohmann::json> check_topology(const NodeTopology& node,
                                           const TopologyExpectation& expected);

// A "fingerprint" probe row for this node (PASS until compared with the fleet's).
nlohmann::json fingerprint_row(const NodeTopology& node);

// On the root, over every node's rows: fingerprints unlike the majority's become WARN (an odd
// node: a missing device, another model, a slower link, other drivers), expecting the majority.
void mark_odd_fingerprints(std::vector<nlohmann::json>& rows);

// What make-spec copies as the expected topology: counts and models of this node.
nlohmann::json topology_summary(const NodeTopology& node);

}  // namespace collbench
