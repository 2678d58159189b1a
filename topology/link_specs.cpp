#include "topology/link_specs.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace collbench {
namespace {

// Per-GPU NVLink: links x per-link bandwidth per direction (NVIDIA's V100, A100, H100 and
// Blackwell architecture whitepapers and datasheets; see docs/topology.md). Longer names first so
// "GH200" is not taken for "H200"-like rows by accident.
const std::array<NvlinkSpec, 9> kNvlink = {{
    {"GB200", "NVLink5", 18, 50.0},
    {"GH200", "NVLink4", 18, 25.0},
    {"B200", "NVLink5", 18, 50.0},
    {"B100", "NVLink5", 18, 50.0},
    {"H800", "NVLink4", 8, 25.0},
    {"H200", "NVLink4", 18, 25.0},
    {"H100", "NVLink4", 18, 25.0},
    {"A100", "NVLink3", 12, 25.0},
    {"V100", "NVLink2", 6, 25.0},
}};

std::string format(const char* fmt, double a, double b = 0) {
  char text[96];
  std::snprintf(text, sizeof text, fmt, a, b);
  return text;
}

}  // namespace

const NvlinkSpec* nvlink_spec(std::string_view gpu_model) {
  for (const NvlinkSpec& spec : kNvlink) {
    if (gpu_model.find(spec.model) != std::string_view::npos) return &spec;
  }
  return nullptr;
}

Ceiling run_ceiling(const NodeTopology& node, int nodes, bool device_memory) {
  if (!device_memory || node.gpus.empty()) return {};
  Ceiling intra;
  const NvlinkSpec* nvlink = nvlink_spec(node.gpus.front().model);
  if (nvlink && (node.nvswitches > 0 || node.gpus.size() <= 8)) {
    intra.GBps = nvlink->links * nvlink->GBps_per_link;
    intra.tier = std::string(nvlink->generation) + " (" + std::to_string(nvlink->links) + " x " +
                 format("%.0f", nvlink->GBps_per_link) + " GB/s)";
  } else {
    double slowest = 0;
    for (const GpuInfo& g : node.gpus) {
      if (g.pci.link_GBps > 0 && (slowest == 0 || g.pci.link_GBps < slowest))
        slowest = g.pci.link_GBps;
    }
    intra.GBps = slowest;
    intra.tier = format("PCIe %.1f GB/s", slowest);
  }
  if (nodes <= 1 || node.nics.empty()) return intra;
  double nic_GBps = 0;
  for (const NicInfo& nic : node.nics) nic_GBps += nic.rate_Gbps / 8.0;
  const double per_gpu = nic_GBps / static_cast<double>(node.gpus.size());
  if (per_gpu > 0 && (intra.GBps == 0 || per_gpu < intra.GBps)) {
    return {per_gpu, format("NICs %.0f Gb/s per GPU", per_gpu * 8.0)};
  }
  return intra;
}

}  // namespace collbench
