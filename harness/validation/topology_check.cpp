#include "harness/validation/topology_check.hpp"

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

nlohmann::json topology_summary(const NodeTopology& node) {
  nlohmann::json out = {{"gpus", node.gpus.size()}, {"nics", node.nics.size()}};
  if (!node.gpus.empty()) out["gpu_model"] = node.gpus.front().model;
  if (!node.nics.empty()) out["nic_model"] = node.nics.front().model;
  return out;
}

}  // namespace collbench
