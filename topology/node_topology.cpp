#include "topology/node_topology.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>

namespace collbench {

const char* path_class_name(PathClass c) {
  switch (c) {
    case PathClass::kPix:
      return "PIX";
    case PathClass::kPxb:
      return "PXB";
    case PathClass::kPhb:
      return "PHB";
    case PathClass::kNode:
      return "NODE";
    case PathClass::kSys:
      return "SYS";
  }
  return "SYS";
}

namespace {

std::string speed(double GBps) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", GBps);
  return text;
}

std::string pci_id(const PciDevice& d) {
  char text[32];
  std::snprintf(text, sizeof text, "%04x:%04x", d.vendor, d.device);
  return text;
}

// Devices grouped by vendor:device, so only identical devices are compared.
template <typename Device, typename Get>
std::vector<std::string> slow_links(const std::vector<Device>& devices, const char* what, Get pci) {
  std::map<std::string, std::vector<const Device*>> groups;
  for (const Device& d : devices) groups[pci_id(pci(d))].push_back(&d);
  std::vector<std::string> out;
  for (const auto& [id, members] : groups) {
    if (members.size() < 2) continue;
    std::map<double, int> counts;
    for (const Device* d : members) ++counts[pci(*d).link_GBps];
    const double usual = std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) {
                           return a.second < b.second;
                         })->first;
    for (const Device* d : members) {
      const double got = pci(*d).link_GBps;
      if (got > 0 && got < usual * 0.95) {
        out.push_back(std::string(what) + " " + pci(*d).busid + " [" + id + "] PCIe link runs at " +
                      speed(got) + " GB/s, its identical siblings at " + speed(usual) +
                      " GB/s (degraded width or generation: reseat or replace)");
      }
    }
  }
  return out;
}

}  // namespace

std::string fingerprint_text(const NodeTopology& n) {
  std::ostringstream out;
  out << "cpu=" << n.cpu_model << ";packages=" << n.packages << ";numa=" << n.numa_nodes
      << ";cores=" << n.cores << ";pus=" << n.pus << ";memory_gib=" << (n.memory_bytes >> 30)
      << ";nvswitches=" << n.nvswitches << ";gpu_driver=" << n.gpu_driver
      << ";nic_firmware=" << n.nic_firmware << ";gpus=" << n.gpus.size();
  std::map<std::string, int> gpus, nics;
  for (const GpuInfo& g : n.gpus) ++gpus[g.model + "@" + speed(g.pci.link_GBps)];
  for (const NicInfo& c : n.nics) {
    ++nics[c.kind + ":" + c.model + ":" + speed(c.rate_Gbps) + "Gb@" + speed(c.pci.link_GBps)];
  }
  for (const auto& [k, v] : gpus) out << ";gpu=" << v << "x" << k;
  out << ";nics=" << n.nics.size();
  for (const auto& [k, v] : nics) out << ";nic=" << v << "x" << k;
  return out.str();
}

uint64_t fingerprint_hash(const NodeTopology& node) {
  // FNV-1a: stable across builds and machines, unlike std::hash.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : fingerprint_text(node)) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::vector<std::string> degraded_link_warnings(const NodeTopology& node) {
  std::vector<std::string> out =
      slow_links(node.gpus, "GPU", [](const GpuInfo& g) -> const PciDevice& { return g.pci; });
  for (std::string& w :
       slow_links(node.nics, "NIC", [](const NicInfo& c) -> const PciDevice& { return c.pci; })) {
    out.push_back(std::move(w));
  }
  return out;
}

nlohmann::json topology_to_json(const NodeTopology& n) {
  nlohmann::json gpus = nlohmann::json::array();
  for (const GpuInfo& g : n.gpus) {
    nlohmann::json nearest = nullptr;
    if (!g.nics.empty()) {
      nearest = {{"nic", n.nics[g.nics.front().nic].name},
                 {"path", path_class_name(g.nics.front().path)}};
    }
    gpus.push_back({{"busid", g.pci.busid},
                    {"model", g.model},
                    {"cuda_device", g.cuda_device},
                    {"numa", g.numa},
                    {"cpus", g.cpus},
                    {"pcie_GBps", g.pci.link_GBps},
                    {"nearest_nic", nearest}});
  }
  nlohmann::json nics = nlohmann::json::array();
  for (const NicInfo& c : n.nics) {
    nics.push_back({{"name", c.name},
                    {"busid", c.pci.busid},
                    {"kind", c.kind},
                    {"model", c.model},
                    {"rate_Gbps", c.rate_Gbps},
                    {"numa", c.numa},
                    {"pcie_GBps", c.pci.link_GBps}});
  }
  return {{"host", n.hostname},
          {"source", n.source},
          {"cpu_model", n.cpu_model},
          {"packages", n.packages},
          {"numa_nodes", n.numa_nodes},
          {"cores", n.cores},
          {"pus", n.pus},
          {"memory_bytes", n.memory_bytes},
          {"nvswitches", n.nvswitches},
          {"gpu_driver", n.gpu_driver},
          {"nic_firmware", n.nic_firmware},
          {"gpus", gpus},
          {"nics", nics}};
}

std::string format_topology(const NodeTopology& n) {
  std::ostringstream out;
  out << "# host " << n.hostname << " (" << n.source << ")\n"
      << "# " << n.packages << " package(s), " << n.numa_nodes << " NUMA node(s), " << n.cores
      << " cores, " << n.pus << " PUs, " << (n.memory_bytes >> 30) << " GiB; CPU " << n.cpu_model
      << "\n# " << n.gpus.size() << " GPU(s), " << n.nics.size() << " NIC(s), " << n.nvswitches
      << " NVSwitch(es)\n";
  char line[512];
  if (!n.gpus.empty()) {
    std::snprintf(line, sizeof line, "%-5s %-13s %-28s %5s %-16s %9s  %s\n", "GPU", "bus id",
                  "model", "NUMA", "cores", "PCIe GB/s", "nearest NIC");
    out << line;
  }
  for (std::size_t i = 0; i < n.gpus.size(); ++i) {
    const GpuInfo& g = n.gpus[i];
    const std::string nearest = g.nics.empty() ? "-"
                                               : n.nics[g.nics.front().nic].name + " (" +
                                                     path_class_name(g.nics.front().path) + ")";
    std::snprintf(line, sizeof line, "%-5zu %-13s %-28s %5d %-16s %9.1f  %s\n", i,
                  g.pci.busid.c_str(), g.model.c_str(), g.numa, g.cpus.c_str(), g.pci.link_GBps,
                  nearest.c_str());
    out << line;
  }
  for (std::size_t i = 0; i < n.nics.size(); ++i) {
    const NicInfo& c = n.nics[i];
    std::snprintf(line, sizeof line, "NIC%-2zu %-13s %-10s %-12s %5d %7.0f Gb/s  %s\n", i,
                  c.pci.busid.c_str(), c.name.c_str(), c.kind.c_str(), c.numa, c.rate_Gbps,
                  c.model.c_str());
    out << line;
  }
  if (!n.gpus.empty() && !n.nics.empty()) {
    out << "\n# GPU/NIC paths: PIX one PCIe switch, PXB several switches, PHB a host bridge, "
           "NODE host bridges in one NUMA node, SYS across sockets\n       ";
    for (std::size_t c = 0; c < n.nics.size(); ++c) {
      std::snprintf(line, sizeof line, "%-7s", ("NIC" + std::to_string(c)).c_str());
      out << line;
    }
    out << "\n";
    for (std::size_t i = 0; i < n.gpus.size(); ++i) {
      std::snprintf(line, sizeof line, "GPU%-4zu", i);
      out << line;
      std::vector<std::string> cells(n.nics.size(), "SYS");
      for (const NicPath& p : n.gpus[i].nics) cells[p.nic] = path_class_name(p.path);
      for (const std::string& cell : cells) {
        std::snprintf(line, sizeof line, "%-7s", cell.c_str());
        out << line;
      }
      out << "\n";
    }
  }
  for (const std::string& w : degraded_link_warnings(n)) out << "# WARNING: " << w << "\n";
  return out.str();
}

}  // namespace collbench
