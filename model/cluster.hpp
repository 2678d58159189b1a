#pragma once
// A cluster as the scale model sees it: OS nodes of GPUs, NVLink domains (8 GPUs on HGX, 72 on
// GB200 NVL72) and a fabric of switch tiers, possibly split into planes. Loaded from a JSON file
// or a built-in preset (docs/model.md lists the fields and cites the presets' sources).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_line_map.hpp"

namespace collbench {

// One tier of the scale-out fabric: switches of `radix` ports; `oversubscription` is down ports
// over up ports (1 = non-blocking; the top tier uses every port downwards).
struct FabricTier {
  int radix = 64;
  double oversubscription = 1;
};

struct ClusterSpec {
  std::string name;
  int64_t gpus = 8;            // GPUs installed, at most what the fabric holds
  int gpus_per_node = 8;       // one OS node: an HGX board, a GB200 compute tray (4)
  int gpus_per_domain = 8;     // NVLink domain: 8 on HGX, 72 on NVL72
  int nvlink_generation = 4;   // 3 (A100), 4 (H100, H200), 5 (B200, GB200)
  int nvlink_links = 18;       // per GPU
  bool nvls = true;            // NVLink SHARP in the domain's switches
  int nics_per_node = 8;       // scale-out NICs of one OS node
  double nic_Gbps = 400;       // line rate of one NIC
  int pcie_generation = 5;     // of the NIC's x16 slot: caps what the NIC can move
  bool sharp = false;          // in-network reduction in the fabric (NCCL CollNet)
  bool rail_optimized = true;  // NIC k of every node on rail k: cross-rail traffic relays
  bool any_to_any = true;      // spine tiers join the rails (false: rail-only fabric)
  std::vector<FabricTier> tiers{{64, 1}, {64, 1}};
  int planes = 1;                 // each NIC splits into this many ports, one per parallel plane
  double hop_latency_us = 0.3;    // one switch traversal
  std::string cpu = "x86-intel";  // x86-intel, x86-amd, arm: NCCL's network post overhead
  double launch_us = 10;          // per operation: kernel launch and the benchmark loop
  // Per rank and operation on an NVLink domain spanning OS nodes (GB200), for log-latency
  // algorithms: fitted to NCCL 2.26 on GB200 NVL72 (docs/model.md); 0 turns it off.
  double mnnvl_rank_us = 2.8;
  std::string source;       // where the numbers come from
  std::string assumptions;  // what is assumed rather than published
};

// Bandwidths in GB/s per direction that NCCL can drive, derived from the spec.
double nvlink_GBps(const ClusterSpec& c);  // per GPU, NCCL's per-link rate x links
double nic_GBps(const ClusterSpec& c);     // per NIC, line rate less encoding, capped by PCIe

// NIC endpoints one plane of the fabric holds (a folded Clos of the tiers).
double fabric_endpoints(const ClusterSpec& c);
// GPUs the fabric holds (NVLink-only clusters: the domain, or gpus when it has no tiers).
double fabric_gpus(const ClusterSpec& c);
// Tiers a job of `nodes` OS nodes climbs (1 = one leaf switch).
int tiers_used(const ClusterSpec& c, int64_t nodes);
// Adds non-blocking tiers of the top tier's radix until the fabric holds `gpus`.
void extend_fabric(ClusterSpec& c, int64_t gpus);

// Throws UsageError "WHERE: field: reason" on bad input; `where` names the file or preset.
// load_cluster reads "FILE:LINE: field: reason".
ClusterSpec load_cluster(const std::string& path);
ClusterSpec cluster_from_json(const nlohmann::json& j, const std::string& where);
// The cluster at `pointer` in the file `file`, whose text `lines` maps: errors read
// "FILE:LINE: LABELfield: reason", LINE that of the value at fault (of the cluster object for a
// missing field), `label` e.g. "h100: " for a system of systems.json.
ClusterSpec cluster_from_json(const nlohmann::json& j, const std::string& file,
                              const JsonLineMap& lines, const std::string& pointer,
                              const std::string& label);
ClusterSpec cluster_preset(const std::string& name);  // throws UsageError for unknown names
std::vector<std::string> cluster_preset_names();
void validate_cluster(const ClusterSpec& spec, const std::string& where);

}  // namespace collbench
