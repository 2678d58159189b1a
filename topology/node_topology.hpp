#pragma once
// What collbench knows about one node: CPUs, memory, GPUs, NICs and the PCIe paths between them.
// Filled by hwloc (hwloc_discovery.cpp) from the live machine or a saved XML; everything else here
// is plain data and pure functions, so it is tested on fixtures of machines we do not have.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace collbench {

// NCCL-like distance classes between a GPU and a NIC, nearest first.
enum class PathClass { kPix, kPxb, kPhb, kNode, kSys };
const char* path_class_name(PathClass c);  // "PIX", "PXB", "PHB", "NODE", "SYS"

struct PciDevice {
  std::string busid;  // "0000:34:00.0"
  uint16_t vendor = 0, device = 0, pci_class = 0;
  double link_GBps = 0;  // hwloc's PCIe link speed (lanes x per-lane rate), 0 if unknown
};

struct NicPath {
  int nic = 0;  // index into NodeTopology::nics
  PathClass path = PathClass::kSys;
};

struct GpuInfo {
  PciDevice pci;
  std::string model;  // from NVML/CUDA OS devices when present, else "NVIDIA [10de:xxxx]"
  std::string uuid;
  int cuda_device = -1;  // the CUDA device with this PCI bus id, when CUDA sees one
  int numa = -1;
  std::string cpus;           // cpuset as a list, e.g. "0-23,48-71"
  std::vector<NicPath> nics;  // every NIC, nearest first
};

struct NicInfo {
  PciDevice pci;
  std::string name;  // OS device: mlx5_0, ib0, eth0
  std::string kind;  // InfiniBand, Ethernet, ...
  std::string model;
  double rate_Gbps = 0;  // network link rate when known
  int numa = -1;
};

struct NodeTopology {
  std::string hostname;
  std::string source;  // "live" or the XML path
  std::string cpu_model;
  int packages = 0, numa_nodes = 0, cores = 0, pus = 0;
  uint64_t memory_bytes = 0;
  std::vector<GpuInfo> gpus;
  std::vector<NicInfo> nics;
  int nvswitches = 0;
  std::string gpu_driver;    // CUDA driver version on the live machine ("" when unknown)
  std::string nic_firmware;  // first InfiniBand device's firmware on the live machine
};

// Identical for identical nodes: CPU model, counts, GPU and NIC models and rates, PCIe link
// speeds. Host names, bus ids and serials are left out on purpose.
std::string fingerprint_text(const NodeTopology& node);
uint64_t fingerprint_hash(const NodeTopology& node);

// GPUs or NICs whose PCIe link is slower than that of most identical devices (same vendor and
// device id): the x8-among-x16s reseat. One message per device, naming it and its bus id.
std::vector<std::string> degraded_link_warnings(const NodeTopology& node);

// A compact summary for the run record (not the full XML).
nlohmann::json topology_to_json(const NodeTopology& node);

// The readable summary of `collbench topo`: per GPU its bus id, NUMA node, cores and nearest NIC,
// then a GPU/NIC matrix of path classes.
std::string format_topology(const NodeTopology& node);

}  // namespace collbench
