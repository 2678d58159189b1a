#pragma once
// Theoretical link bandwidths, per direction, and the ceiling a run's bus bandwidth is held to:
// the slowest tier its data must cross (docs/topology.md gives each number's source).
#include <string>
#include <string_view>

#include "topology/node_topology.hpp"

namespace collbench {

struct NvlinkSpec {
  std::string_view model;       // matched as a substring of the GPU model name
  std::string_view generation;  // "NVLink4"
  int links;
  double GBps_per_link;  // per direction
};

// The NVLink row for a GPU model, or nullptr when the model has none we know.
const NvlinkSpec* nvlink_spec(std::string_view gpu_model);

struct Ceiling {
  double GBps = 0;   // 0: no ceiling known
  std::string tier;  // "NVLink4 (18 x 25 GB/s)", "PCIe 15.8 GB/s", "NIC 400 Gb/s per GPU"
};

// The ceiling of a run on `nodes` nodes like `node`: within a node the GPUs' NVLink (or their PCIe
// links without NVLink), between nodes each GPU's share of the node's NICs; the lower tier wins.
// Host-memory runs get none: their limit is memory bandwidth, which only a measurement gives.
Ceiling run_ceiling(const NodeTopology& node, int nodes, bool device_memory);

}  // namespace collbench
