#include "validation/topology_check.hpp"

#include <algorithm>

#include "topology/fleet.hpp"

namespace collbench {
namespace {

nlohmann::json finding(const std::string& test, Status status, const nlohmann::json& measured,
                       const nlohmann::json& expected, const std::string& device = "") {
  nlohmann::json row = {{"type", "probe"},      {"phase", "topology"},
                        {"test", test},         {"status", status_name(status)},
                        {"measured", measured}, {"expected", expected}};
  if (!device.empty()) row["device"] = device;
  return row;
}

}  // namespace

std::vector<nlohmann::json> check_topology(const NodeTopology& node,
                                           const TopologyExpectation& expected) {
  std::vector<nlohmann::json> rows;
  auto count = [&](const char* what, std::size_t have, const std::optional<int>& want) {
    if (!want) return;
    rows.push_back(finding(what, static_cast<int>(have) == *want ? Status::kPass : Status::kFail,
                           static_cast<int>(have), *want));
  };
  count("gpu count", node.gpus.size(), expected.gpus);
  count("nic count", node.nics.size(), expected.nics);
  for (const GpuInfo& gpu : node.gpus) {
    if (!expected.gpu_model.empty() && gpu.model.find(expected.gpu_model) == std::string::npos) {
      rows.push_back(finding("gpu model", Status::kFail, gpu.model, expected.gpu_model,
                             "GPU " + gpu.pci.busid));
    }
  }
  for (const NicInfo& nic : node.nics) {
    if (!expected.nic_model.empty() && nic.model.find(expected.nic_model) == std::string::npos) {
      rows.push_back(finding("nic model", Status::kFail, nic.model, expected.nic_model,
                             "NIC " + nic.name + " " + nic.pci.busid));
    }
  }
  if (expected.pcie_gen && expected.pcie_width) {
    const double want = pcie_link_GBps(*expected.pcie_gen, *expected.pcie_width);
    auto link = [&](const std::string& device, const PciDevice& pci) {
      // hwloc rounds the link speed; 5% below the nominal rate is a slower link, not rounding.
      if (pci.link_GBps > 0 && pci.link_GBps < 0.95 * want) {
        rows.push_back(finding("pcie link", Status::kFail, pci.link_GBps, want, device));
      }
    };
    for (const GpuInfo& gpu : node.gpus) link("GPU " + gpu.pci.busid, gpu.pci);
    for (const NicInfo& nic : node.nics) link("NIC " + nic.name + " " + nic.pci.busid, nic.pci);
  }
  for (const std::string& warning : degraded_link_warnings(node)) {
    rows.push_back(finding("pcie link like its siblings", Status::kWarn, warning, "same speed"));
  }
  return rows;
}

nlohmann::json fingerprint_row(const NodeTopology& node) {
  return finding("fingerprint", Status::kPass, hash_hex(fingerprint_hash(node)), nullptr);
}

void mark_odd_fingerprints(std::vector<nlohmann::json>& rows) {
  std::vector<nlohmann::json*> prints;
  std::vector<HostFingerprint> fleet;
  for (nlohmann::json& row : rows) {
    if (row.value("phase", "") != "topology" || row.value("test", "") != "fingerprint") continue;
    prints.push_back(&row);
    const std::string hash = row["measured"].get<std::string>();
    fleet.push_back({std::to_string(prints.size() - 1), std::stoull(hash, nullptr, 16)});
  }
  const std::vector<std::string> odd = odd_hosts(fleet);
  if (odd.empty()) return;
  // The majority: the fingerprint of the first node that is not odd.
  std::string majority;
  for (std::size_t i = 0; i < prints.size() && majority.empty(); ++i) {
    if (std::find(odd.begin(), odd.end(), std::to_string(i)) == odd.end()) {
      majority = (*prints[i])["measured"].get<std::string>();
    }
  }
  for (const std::string& index : odd) {
    nlohmann::json& row = *prints[std::stoul(index)];
    row["status"] = status_name(Status::kWarn);
    row["expected"] = majority;
    row["detail"] = "unlike most nodes (collbench topo shows the difference)";
  }
}

nlohmann::json topology_summary(const NodeTopology& node) {
  nlohmann::json out = {{"gpus", node.gpus.size()}, {"nics", node.nics.size()}};
  if (!node.gpus.empty()) out["gpu_model"] = node.gpus.front().model;
  if (!node.nics.empty()) out["nic_model"] = node.nics.front().model;
  return out;
}

}  // namespace collbench
