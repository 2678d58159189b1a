// Built-in cluster descriptions. Each cites its sources; what a datasheet does not say is written
// in `assumptions` (and in docs/model.md) so a reader can tell a spec from a guess.
#include <functional>
#include <utility>

#include "core/errors.hpp"
#include "model/cluster.hpp"

namespace collbench {
namespace {

// HGX/DGX H100: 8 GPUs on NVLink 4 (18 links, 900 GB/s bidirectional), four NVSwitch 3 chips
// with NVLink SHARP, one ConnectX-7 NDR 400 Gb/s per GPU on PCIe Gen5, Quantum-2 switches
// (64 NDR ports, SHARPv3) in a rail-optimised two-tier fat tree.
ClusterSpec hgx_h100_ndr400() {
  ClusterSpec c;
  c.name = "hgx-h100-ndr400";
  c.gpus = 1024;
  c.gpus_per_node = 8;
  c.gpus_per_domain = 8;
  c.nvlink_generation = 4;
  c.nvlink_links = 18;
  c.nvls = true;
  c.nics_per_node = 8;
  c.nic_Gbps = 400;
  c.pcie_generation = 5;
  c.sharp = true;
  c.tiers = {{64, 1}, {64, 1}};
  c.hop_latency_us = 0.3;
  c.cpu = "x86-intel";
  c.source =
      "NVIDIA DGX H100 datasheet and HGX H100 specifications (NVLink 4, 18 links, NVSwitch with "
      "NVLink SHARP; 8 x ConnectX-7 400 Gb/s); NVIDIA Quantum-2 QM9700 (64 x NDR 400 Gb/s, "
      "SHARPv3)";
  c.assumptions =
      "two non-blocking tiers (2,048 NICs); 0.3 us per switch; 10 us launch and benchmark-loop "
      "cost per operation";
  return c;
}

// HGX H200: the H100 board with HBM3e; NVLink, NICs and fabric as HGX H100.
ClusterSpec hgx_h200_ndr400() {
  ClusterSpec c = hgx_h100_ndr400();
  c.name = "hgx-h200-ndr400";
  c.source =
      "NVIDIA HGX H200 specifications (NVLink 4 at 900 GB/s per GPU, NVSwitch); 8 x ConnectX-7 "
      "NDR 400 Gb/s; NVIDIA Quantum-2 QM9700";
  return c;
}

// GB200 NVL72: 18 compute trays of 2 Grace + 4 Blackwell, one 72-GPU NVLink 5 domain (18
// links per GPU, 1.8 TB/s bidirectional), NVLink switch trays with SHARP. ConnectX-8 SuperNIC
// at 800 Gb/s (XDR) per GPU on PCIe Gen6, Quantum-X800 switches (144 x 800 Gb/s, SHARPv4).
ClusterSpec gb200_nvl72_xdr800() {
  ClusterSpec c = hgx_h100_ndr400();
  c.name = "gb200-nvl72-xdr800";
  c.gpus = 72 * 16;
  c.gpus_per_node = 4;
  c.gpus_per_domain = 72;
  c.nvlink_generation = 5;
  c.nics_per_node = 4;
  c.nic_Gbps = 800;
  c.pcie_generation = 6;
  c.tiers = {{144, 1}, {144, 1}};
  c.cpu = "arm";
  c.source =
      "NVIDIA GB200 NVL72 datasheet (72 GPUs, NVLink 5 at 1.8 TB/s per GPU, 4 GPUs per compute "
      "tray); NVIDIA ConnectX-8 SuperNIC (800 Gb/s, PCIe Gen6); NVIDIA Quantum-X800 Q3400 (144 x "
      "800 Gb/s, SHARPv4)";
  c.assumptions =
      "one ConnectX-8 per GPU; 16 racks on two non-blocking tiers (10,368 NICs); 0.3 us per switch";
  return c;
}

// The same racks with ConnectX-7 NDR 400 Gb/s per GPU, as most 2025 GB200 deployments shipped.
ClusterSpec gb200_nvl72_ndr400() {
  ClusterSpec c = gb200_nvl72_xdr800();
  c.name = "gb200-nvl72-ndr400";
  c.nic_Gbps = 400;
  c.pcie_generation = 5;
  c.tiers = {{64, 1}, {64, 1}};
  c.source =
      "NVIDIA GB200 NVL72 datasheet; ConnectX-7 NDR 400 Gb/s per GPU; NVIDIA Quantum-2 QM9700";
  c.assumptions = "16 racks on two non-blocking tiers of 64-port switches (2,048 NICs)";
  return c;
}

// A campus of about 400,000 GB200 GPUs: 5,556 NVL72 racks, one ConnectX-8 per GPU split into two
// 400 Gb/s planes (ConnectX-8's multi-plane mode), each plane a three-tier non-blocking fat tree
// of 144-port Quantum-X800 switches (72 x 72 x 144 = 746,496 ports per plane).
ClusterSpec gb200_campus_400k() {
  ClusterSpec c = gb200_nvl72_xdr800();
  c.name = "gb200-campus-400k";
  c.gpus = 72LL * 5556;
  c.planes = 2;
  c.tiers = {{144, 1}, {144, 1}, {144, 1}};
  c.hop_latency_us = 0.5;
  c.source =
      "NVIDIA GB200 NVL72 datasheet; NVIDIA ConnectX-8 SuperNIC (800 Gb/s, multi-plane); NVIDIA "
      "Quantum-X800 Q3400 (144 ports)";
  c.assumptions =
      "5,556 racks = 400,032 GPUs; each GPU's 800 Gb/s NIC as 2 planes of 400 Gb/s; each plane a "
      "non-blocking 3-tier Clos of 144-port switches (746,496 ports, 54 % used); rail-optimised "
      "leaves with spines joining the rails (any-to-any); 0.5 us per switch across a campus "
      "(longer optics); SHARP available but off unless asked (NCCL_COLLNET_ENABLE)";
  return c;
}

const std::pair<const char*, ClusterSpec (*)()> kPresets[] = {
    {"hgx-h100-ndr400", hgx_h100_ndr400},       {"hgx-h200-ndr400", hgx_h200_ndr400},
    {"gb200-nvl72-xdr800", gb200_nvl72_xdr800}, {"gb200-nvl72-ndr400", gb200_nvl72_ndr400},
    {"gb200-campus-400k", gb200_campus_400k},
};

}  // namespace

std::vector<std::string> cluster_preset_names() {
  std::vector<std::string> names;
  for (const auto& [name, make] : kPresets) names.emplace_back(name);
  return names;
}

ClusterSpec cluster_preset(const std::string& name) {
  for (const auto& [preset, make] : kPresets) {
    if (name == preset) return make();
  }
  std::string known;
  for (const std::string& n : cluster_preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("preset: unknown preset '" + name + "' (choose " + known + ")");
}

}  // namespace collbench
