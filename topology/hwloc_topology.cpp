#include "topology/hwloc_topology.hpp"

#include <hwloc.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <fstream>

#include "core/errors.hpp"

namespace collbench {

struct HwlocTopology::State {
  hwloc_topology_t topology = nullptr;
  std::string source = "live";
  bool live = true;
};

namespace {

constexpr uint16_t kNvidia = 0x10de;
constexpr uint16_t kMellanox = 0x15b3;

std::string busid(const hwloc_obj_t pci) {
  char text[32];
  std::snprintf(text, sizeof text, "%04x:%02x:%02x.%x", pci->attr->pcidev.domain,
                pci->attr->pcidev.bus, pci->attr->pcidev.dev, pci->attr->pcidev.func);
  return text;
}

PciDevice pci_device(const hwloc_obj_t pci) {
  return {busid(pci), pci->attr->pcidev.vendor_id, pci->attr->pcidev.device_id,
          pci->attr->pcidev.class_id, pci->attr->pcidev.linkspeed};
}

std::string info(hwloc_obj_t obj, const char* name) {
  for (hwloc_obj_t o = obj; o; o = o->parent) {
    if (const char* v = hwloc_obj_get_info_by_name(o, name)) return v;
    if (o->type != HWLOC_OBJ_OS_DEVICE) break;
  }
  return "";
}

std::string cpu_list(hwloc_const_bitmap_t set) {
  char* text = nullptr;
  if (hwloc_bitmap_list_asprintf(&text, set) < 0 || !text) return "?";
  std::string out(text);
  std::free(text);
  return out;
}

int numa_of(hwloc_topology_t topo, hwloc_obj_t pci) {
  hwloc_obj_t cpu_side = hwloc_get_non_io_ancestor_obj(topo, pci);
  if (!cpu_side || !cpu_side->nodeset) return -1;
  // The first NUMA node of the locality: the one its memory controller is on.
  const int first = hwloc_bitmap_first(cpu_side->nodeset);
  return first;
}

int bridges_between(hwloc_obj_t device, hwloc_obj_t ancestor) {
  int n = 0;
  for (hwloc_obj_t o = device->parent; o && o != ancestor; o = o->parent) {
    n += o->type == HWLOC_OBJ_BRIDGE;
  }
  return n;
}

// NCCL's classes: PIX through at most one PCIe bridge, PXB through several without a host bridge,
// PHB through a host bridge, NODE across host bridges of one NUMA node, SYS across NUMA nodes.
PathClass classify(hwloc_topology_t topo, hwloc_obj_t a, hwloc_obj_t b) {
  hwloc_obj_t common = hwloc_get_common_ancestor_obj(topo, a, b);
  if (common && common->type == HWLOC_OBJ_BRIDGE) {
    if (common->attr->bridge.upstream_type == HWLOC_OBJ_BRIDGE_HOST) return PathClass::kPhb;
    return std::max(bridges_between(a, common), bridges_between(b, common)) <= 1 ? PathClass::kPix
                                                                                 : PathClass::kPxb;
  }
  if (common && common->type == HWLOC_OBJ_PCI_DEVICE) return PathClass::kPix;
  const int na = numa_of(topo, a);
  const int nb = numa_of(topo, b);
  return (na >= 0 && na == nb) ? PathClass::kNode : PathClass::kSys;
}

double sysfs_rate_Gbps(const std::string& osdev, bool infiniband) {
  // "400 Gb/sec (4X NDR)" for InfiniBand; Mb/s for Ethernet interfaces.
  const std::string path = infiniband ? "/sys/class/infiniband/" + osdev + "/ports/1/rate"
                                      : "/sys/class/net/" + osdev + "/speed";
  std::ifstream in(path);
  double value = 0;
  if (!(in >> value) || value <= 0) return 0;
  return infiniband ? value : value / 1000.0;
}

}  // namespace

HwlocTopology::HwlocTopology(const std::optional<std::string>& xml_path)
    : state_(std::make_unique<State>()) {
  hwloc_topology_t& topo = state_->topology;
  if (hwloc_topology_init(&topo) != 0) throw RuntimeFailure("hwloc_topology_init failed");
  if (hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_ALL) != 0) {
    throw RuntimeFailure("hwloc_topology_set_io_types_filter failed");
  }
  if (xml_path) {
    std::ifstream probe(*xml_path);
    if (!probe) throw UsageError("cannot read topology XML " + *xml_path);
    if (hwloc_topology_set_xml(topo, xml_path->c_str()) != 0) {
      hwloc_topology_destroy(topo);
      topo = nullptr;
      throw UsageError("invalid topology XML " + *xml_path + " (hwloc_topology_set_xml failed)");
    }
    state_->source = *xml_path;
    state_->live = false;
  }
  if (hwloc_topology_load(topo) != 0) {
    hwloc_topology_destroy(topo);
    topo = nullptr;
    throw UsageError("hwloc_topology_load failed for " + state_->source);
  }
}

HwlocTopology::~HwlocTopology() {
  if (state_->topology) hwloc_topology_destroy(state_->topology);
}

NodeTopology HwlocTopology::describe() const {
  hwloc_topology_t topo = state_->topology;
  NodeTopology node;
  node.source = state_->source;
  hwloc_obj_t root = hwloc_get_root_obj(topo);
  node.hostname = info(root, "HostName");
  if (node.hostname.empty()) {
    char name[HOST_NAME_MAX + 1] = {};
    if (gethostname(name, sizeof name - 1) == 0) node.hostname = name;
  }
  node.packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
  node.numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
  node.cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  node.pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
  node.memory_bytes = root->total_memory;
  if (hwloc_obj_t package = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0)) {
    node.cpu_model = info(package, "CPUModel");
  }
  if (node.cpu_model.empty()) node.cpu_model = info(root, "CPUModel");

  std::vector<hwloc_obj_t> gpu_objs, nic_objs;
  for (hwloc_obj_t pci = hwloc_get_next_pcidev(topo, nullptr); pci;
       pci = hwloc_get_next_pcidev(topo, pci)) {
    const auto& a = pci->attr->pcidev;
    const uint16_t base_class = a.class_id >> 8;
    if (a.vendor_id == kNvidia && (a.class_id == 0x0302 || a.class_id == 0x0300)) {
      GpuInfo gpu;
      gpu.pci = pci_device(pci);
      for (hwloc_obj_t os = pci->io_first_child; os; os = os->next_sibling) {
        if (gpu.model.empty()) gpu.model = info(os, "GPUModel");
        if (gpu.uuid.empty()) gpu.uuid = info(os, "NVIDIAUUID");
      }
      if (gpu.model.empty()) {
        char text[48];
        std::snprintf(text, sizeof text, "NVIDIA [10de:%04x]", a.device_id);
        gpu.model = text;
      }
      gpu.numa = numa_of(topo, pci);
      if (hwloc_obj_t cpu_side = hwloc_get_non_io_ancestor_obj(topo, pci)) {
        gpu.cpus = cpu_list(cpu_side->cpuset);
      }
      node.gpus.push_back(gpu);
      gpu_objs.push_back(pci);
    } else if (a.vendor_id == kNvidia && a.class_id == 0x0680) {
      ++node.nvswitches;              // NVSwitch: an NVIDIA "other bridge" device
    } else if (base_class == 0x02) {  // network or InfiniBand controller
      NicInfo nic;
      nic.pci = pci_device(pci);
      bool infiniband = a.class_id == 0x0207;
      std::string eth_name, ib_name;
      for (hwloc_obj_t os = pci->io_first_child; os; os = os->next_sibling) {
        if (os->attr->osdev.type == HWLOC_OBJ_OSDEV_OPENFABRICS) ib_name = os->name;
        if (os->attr->osdev.type == HWLOC_OBJ_OSDEV_NETWORK && eth_name.empty())
          eth_name = os->name;
        const std::string layer = info(os, "Port1LinkLayer");
        if (layer == "InfiniBand") infiniband = true;
        const std::string rate = info(os, "Port1Rate");  // saved topologies: Gb/s
        if (!rate.empty()) nic.rate_Gbps = std::atof(rate.c_str());
      }
      nic.name = !ib_name.empty() ? ib_name : (!eth_name.empty() ? eth_name : nic.pci.busid);
      nic.kind = infiniband ? "InfiniBand" : (!ib_name.empty() ? "RoCE" : "Ethernet");
      const std::string vendor = a.vendor_id == kMellanox ? "Mellanox/NVIDIA" : "";
      char text[64];
      std::snprintf(text, sizeof text, "%s[%04x:%04x]",
                    vendor.empty() ? "" : (vendor + " ").c_str(), a.vendor_id, a.device_id);
      nic.model = text;
      if (nic.rate_Gbps == 0 && state_->live) {
        nic.rate_Gbps =
            !ib_name.empty() ? sysfs_rate_Gbps(ib_name, true) : sysfs_rate_Gbps(eth_name, false);
      }
      nic.numa = numa_of(topo, pci);
      node.nics.push_back(nic);
      nic_objs.push_back(pci);
    }
  }
  for (std::size_t g = 0; g < gpu_objs.size(); ++g) {
    for (std::size_t c = 0; c < nic_objs.size(); ++c) {
      node.gpus[g].nics.push_back({static_cast<int>(c), classify(topo, gpu_objs[g], nic_objs[c])});
    }
    std::stable_sort(node.gpus[g].nics.begin(), node.gpus[g].nics.end(),
                     [](const NicPath& x, const NicPath& y) { return x.path < y.path; });
  }
  return node;
}

std::string HwlocTopology::current_binding() const {
  hwloc_bitmap_t set = hwloc_bitmap_alloc();
  std::string out = "?";
  if (set && hwloc_get_cpubind(state_->topology, set, HWLOC_CPUBIND_PROCESS) == 0) {
    out = cpu_list(set);
  }
  hwloc_bitmap_free(set);
  return out;
}

namespace {

// Binds to `target` unless the process is already bound inside it (a launcher's per-core binding
// is narrower and better than a whole NUMA node); returns the resulting binding.
std::string bind_within(hwloc_topology_t topo, hwloc_const_cpuset_t target,
                        const std::string& what) {
  hwloc_bitmap_t current = hwloc_bitmap_alloc();
  if (!current) throw RuntimeFailure("hwloc_bitmap_alloc failed");
  const bool inside = hwloc_get_cpubind(topo, current, HWLOC_CPUBIND_PROCESS) == 0 &&
                      !hwloc_bitmap_iszero(current) && hwloc_bitmap_isincluded(current, target);
  std::string out = cpu_list(inside ? current : target);
  hwloc_bitmap_free(current);
  if (!inside && hwloc_set_cpubind(topo, target, HWLOC_CPUBIND_PROCESS) != 0) {
    throw RuntimeFailure("hwloc_set_cpubind to " + what + " failed");
  }
  return out;
}

}  // namespace

std::string HwlocTopology::bind_to_numa(int numa) const {
  hwloc_obj_t node =
      hwloc_get_obj_by_type(state_->topology, HWLOC_OBJ_NUMANODE, static_cast<unsigned>(numa));
  if (!node || !node->cpuset) throw RuntimeFailure("no NUMA node " + std::to_string(numa));
  return bind_within(state_->topology, node->cpuset, "NUMA node " + std::to_string(numa));
}

std::string HwlocTopology::bind_near_gpu(int gpu) const {
  int index = 0;
  for (hwloc_obj_t pci = hwloc_get_next_pcidev(state_->topology, nullptr); pci;
       pci = hwloc_get_next_pcidev(state_->topology, pci)) {
    const auto& a = pci->attr->pcidev;
    if (a.vendor_id != kNvidia || (a.class_id != 0x0302 && a.class_id != 0x0300)) continue;
    if (index++ != gpu) continue;
    hwloc_obj_t cpu_side = hwloc_get_non_io_ancestor_obj(state_->topology, pci);
    if (!cpu_side || !cpu_side->cpuset) throw RuntimeFailure("no cpus near GPU " + busid(pci));
    return bind_within(state_->topology, cpu_side->cpuset, "the cpus near GPU " + busid(pci));
  }
  throw RuntimeFailure("no GPU " + std::to_string(gpu) + " in the topology");
}

}  // namespace collbench
