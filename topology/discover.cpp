#include "topology/discover.hpp"

#include "core/errors.hpp"
#if COLLBENCH_HAVE_HWLOC
#include "topology/hwloc_topology.hpp"
#endif
#if COLLBENCH_HAVE_CUDA
#include <cuda_runtime.h>
#endif

#include <algorithm>
#include <cctype>
#include <fstream>

namespace collbench {

namespace {

// Lower-case bus id with a 4-digit domain: CUDA prints "0000:34:00.0" in upper case.
[[maybe_unused]] std::string normal_busid(std::string busid) {
  std::transform(busid.begin(), busid.end(), busid.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return busid;
}

// The CUDA device index with the given PCI bus id, or -1 (no CUDA, no device, no match). Only the
// hwloc paths call it and the next one: maybe unused, so a build without hwloc has no warning.
[[maybe_unused]] int cuda_device_for(const std::string& busid) {
#if COLLBENCH_HAVE_CUDA
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) return -1;
  for (int device = 0; device < count; ++device) {
    char bus[32] = {};
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) != cudaSuccess) continue;
    if (normal_busid(bus) == normal_busid(busid)) return device;
  }
#else
  (void)busid;
#endif
  return -1;
}

// "12.4" from cudaDriverGetVersion, or "" without CUDA or a driver.
[[maybe_unused]] std::string cuda_driver_version() {
#if COLLBENCH_HAVE_CUDA
  int version = 0;
  if (cudaDriverGetVersion(&version) == cudaSuccess && version > 0) {
    return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
  }
#endif
  return "";
}

}  // namespace

NodeTopology discover_node(const std::optional<std::string>& xml_path) {
#if COLLBENCH_HAVE_HWLOC
  NodeTopology node = HwlocTopology(xml_path).describe();
  // Only the live machine's GPUs are CUDA's; a saved topology describes another machine.
  if (!xml_path) {
    for (GpuInfo& gpu : node.gpus) gpu.cuda_device = cuda_device_for(gpu.pci.busid);
    node.gpu_driver = cuda_driver_version();
    for (const NicInfo& nic : node.nics) {
      std::ifstream firmware("/sys/class/infiniband/" + nic.name + "/fw_ver");
      if (firmware && std::getline(firmware, node.nic_firmware)) break;
    }
  }
  return node;
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
    // The rank's GPU is CUDA device local_rank % count; find its hwloc twin by PCI bus id, as
    // CUDA's device order need not be PCI order.
    const int want = local_rank % static_cast<int>(node.gpus.size());
    int index = want;
    for (std::size_t i = 0; i < node.gpus.size(); ++i) {
      if (cuda_device_for(node.gpus[i].pci.busid) == want) index = static_cast<int>(i);
    }
    return live.bind_near_gpu(index);
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
