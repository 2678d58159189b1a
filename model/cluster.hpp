#pragma once
// A cluster as the scale model sees it: scale-up domains (NVLink) joined by a rail-optimised
// fat tree of NICs. Loaded from a JSON file or a built-in preset (docs/model.md cites sources).
#include <string>
#include <vector>

namespace collbench {

struct ClusterSpec {
  std::string name;
  int64_t gpus = 8;                 // total GPUs, up to 1,000,000
  int gpus_per_domain = 8;          // scale-up domain: 8 for HGX, 72 for GB200 NVL72
  double scaleup_GBps = 450;        // per GPU, per direction
  double scaleup_latency_us = 1.0;  // per step inside a domain
  int nics_per_gpu = 1;
  double nic_Gbps = 400;                 // per NIC
  double nic_latency_us = 2.0;           // per step across domains, excluding switch hops
  int tiers = 2;                         // fat-tree tiers of the scale-out network
  int radix = 64;                        // switch ports
  std::vector<double> oversubscription;  // per tier, 1 = non-blocking (size == tiers)
  double hop_latency_us = 0.3;           // per switch traversed
  double reduce_GBps = 2000;             // GPU element-wise reduction throughput (gamma)
  std::string source;                    // where the numbers come from
};

// Throws UsageError naming the field on bad input.
ClusterSpec load_cluster(const std::string& path);
ClusterSpec cluster_preset(const std::string& name);  // throws UsageError for unknown names
std::vector<std::string> cluster_preset_names();
void validate_cluster(const ClusterSpec& spec);

}  // namespace collbench
