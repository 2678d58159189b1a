#include "model/cluster.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/input_file.hpp"
#include "core/json_line_map.hpp"
#include "core/json_value.hpp"

namespace collbench {
namespace {

// NCCL's bandwidth per NVLink link by GPU generation (src/graph/topo.h, NCCL 2.28.3:
// SM80_NVLINK_BW 20.0, SM90_NVLINK_BW 20.6, SM100_NVLINK_BW 40.1 GB/s). These are what NCCL's
// kernels move per link, not the line rate (25 GB/s per direction for NVLink 3 and 4, 50 for 5).
double nccl_link_GBps(int generation) {
  switch (generation) {
    case 3:
      return 20.0;
    case 4:
      return 20.6;
    default:
      return 40.1;
  }
}

// Data rate of a PCIe x16 slot per direction after encoding, by generation (3: 8 GT/s ... 6:
// 64 GT/s); NCCL's PCI_BW for Gen3 x16 is 12 GB/s, and each generation doubles it.
double pcie_x16_GBps(int generation) {
  return 12.0 * std::pow(2.0, generation - 3);
}

// Where a cluster's fields are, for "FILE:LINE: field: reason": the file, the line map of its
// text (null for a preset or a document not read from text), the JSON pointer of the cluster
// object, and a label put before field names (a system's name in systems.json, with ": ").
struct ClusterSource {
  std::string file;
  const JsonLineMap* lines = nullptr;
  std::string pointer;
  std::string label;

  // The pointer of a field as the messages spell it ("tiers[1].radix" is "/tiers/1/radix"); the
  // cluster format's field names are plain identifiers, so the translation is exact.
  std::string field_pointer(const std::string& field) const {
    std::string out = pointer;
    for (char c : field) {
      if (c == '.' || c == '[') {
        out += '/';
      } else if (c != ']') {
        if (out.size() == pointer.size()) out += '/';
        out += c;
      }
    }
    return out;
  }
  std::string at(const std::string& value_pointer) const {
    return json_file_line(file, lines, value_pointer) + ": " + label;
  }
};

// `value_pointer` names the value at fault when it is not the field itself (an unknown member,
// whose name from the file may hold any character).
[[noreturn]] void bad(const ClusterSource& src, const std::string& field, const std::string& reason,
                      const std::optional<std::string>& value_pointer = std::nullopt) {
  throw UsageError(src.at(value_pointer ? *value_pointer : src.field_pointer(field)) + field +
                   ": " + reason);
}

// Exact (core/json_value.hpp): "gpus": 4294967298 is refused, never truncated.
template <typename T>
T field_value(const nlohmann::json& value, const std::string& name, const ClusterSource& src) {
  std::string why;
  const std::optional<T> read = exact_json<T>(value, &why);
  if (!read) bad(src, name, why);
  return *read;
}

// `prefix` is the path of the object `j` within the cluster ("tiers[0]."), empty at its top.
template <typename T>
T field(const nlohmann::json& j, const char* name, T fallback, const ClusterSource& src,
        const std::string& prefix = "") {
  if (!j.contains(name)) return fallback;
  return field_value<T>(j.at(name), prefix + name, src);
}

std::vector<FabricTier> tiers_from(const nlohmann::json& j, const ClusterSource& src) {
  if (!j.is_array()) bad(src, "tiers", "expected an array of {\"radix\", \"oversubscription\"}");
  std::vector<FabricTier> tiers;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string name = "tiers[" + std::to_string(i) + "]";
    if (!j[i].is_object()) bad(src, name, "expected an object");
    for (const auto& [key, value] : j[i].items()) {
      if (key != "radix" && key != "oversubscription") {
        bad(src, name + "." + key, "unknown field",
            json_pointer_append(src.field_pointer(name), key));
      }
    }
    FabricTier t;
    t.radix = field(j[i], "radix", t.radix, src, name + ".");
    t.oversubscription = field(j[i], "oversubscription", t.oversubscription, src, name + ".");
    tiers.push_back(t);
  }
  return tiers;
}

void check_cluster(const ClusterSpec& c, const ClusterSource& src);
ClusterSpec cluster_from(const nlohmann::json& j, const ClusterSource& src);

}  // namespace

double nvlink_GBps(const ClusterSpec& c) {
  return nccl_link_GBps(c.nvlink_generation) * c.nvlink_links;
}

// 64b/66b-class encodings and protocol headers leave about 96 % of the line rate: NDR 400 Gb/s
// moves 48 GB/s, the top of NCCL's inter-node speed table (search.cc, sm90SpeedArrayInter).
double nic_GBps(const ClusterSpec& c) {
  return std::min(c.nic_Gbps / 8.0 * 0.96, pcie_x16_GBps(c.pcie_generation));
}

// A folded Clos: a tier-t switch (t below the top) splits its ports down/up in the ratio of its
// oversubscription, the top tier points every port down. Endpoints = leaf down ports x the
// down ports of each middle tier x the top tier's radix (2 tiers non-blocking: r^2/2).
double fabric_endpoints(const ClusterSpec& c) {
  if (c.tiers.empty()) return 0;
  if (c.tiers.size() == 1) return c.tiers[0].radix;
  double endpoints = 1;
  for (std::size_t t = 0; t + 1 < c.tiers.size(); ++t) {
    const FabricTier& tier = c.tiers[t];
    endpoints *= tier.radix * tier.oversubscription / (1 + tier.oversubscription);
  }
  return endpoints * c.tiers.back().radix;
}

double fabric_gpus(const ClusterSpec& c) {
  if (c.tiers.empty() || c.nics_per_node == 0) return c.gpus_per_domain;
  // Every NIC takes one port of each plane.
  return std::floor(fabric_endpoints(c) / c.nics_per_node) * c.gpus_per_node;
}

int tiers_used(const ClusterSpec& c, int64_t nodes) {
  ClusterSpec part = c;
  const double endpoints = static_cast<double>(nodes) * c.nics_per_node;
  for (std::size_t t = 1; t <= c.tiers.size(); ++t) {
    part.tiers.assign(c.tiers.begin(), c.tiers.begin() + static_cast<std::ptrdiff_t>(t));
    if (fabric_endpoints(part) >= endpoints) return static_cast<int>(t);
  }
  return static_cast<int>(c.tiers.size());
}

void extend_fabric(ClusterSpec& c, int64_t gpus) {
  if (c.tiers.empty()) c.tiers.push_back({64, 1});
  while (fabric_gpus(c) < static_cast<double>(gpus) && c.tiers.size() < 8) {
    c.tiers.back().oversubscription = 1;  // no longer the top: it now splits its ports
    c.tiers.push_back({c.tiers.back().radix, 1});
  }
  c.gpus = std::max(c.gpus, gpus);
}

void validate_cluster(const ClusterSpec& c, const std::string& where) {
  check_cluster(c, ClusterSource{where, nullptr, "", ""});
}

namespace {

// Missing fields the checks name (the value came from a preset or a default) give the line of
// the cluster object.
void check_cluster(const ClusterSpec& c, const ClusterSource& src) {
  auto need = [&](bool ok, const char* name, const std::string& reason) {
    if (!ok) bad(src, name, reason);
  };
  // Every number has an upper bound as well: the model multiplies and divides them, and a
  // latency of 1e308 us or a NIC of 1e-300 Gb/s would turn predictions into infinities, which
  // JSON cannot hold (they were written as null). The bounds are far beyond any real machine.
  need(c.gpus >= 1 && c.gpus <= 1000000, "gpus", "must be 1 to 1,000,000");
  need(c.gpus_per_node >= 1 && c.gpus_per_node <= 1024, "gpus_per_node", "must be 1 to 1,024");
  need(c.gpus_per_domain >= 1 && c.gpus_per_domain <= 1000000, "gpus_per_domain",
       "must be 1 to 1,000,000");
  need(c.gpus_per_domain % c.gpus_per_node == 0 || c.gpus_per_domain == 1, "gpus_per_domain",
       "must be a multiple of gpus_per_node (a domain is whole nodes)");
  need(c.nvlink_generation >= 3 && c.nvlink_generation <= 5, "nvlink_generation",
       "must be 3, 4 or 5");
  need(c.nvlink_links >= 1 && c.nvlink_links <= 36, "nvlink_links", "must be 1 to 36");
  need(c.nics_per_node >= 0 && c.nics_per_node <= 64, "nics_per_node", "must be 0 to 64");
  need(c.nic_Gbps >= 1 && c.nic_Gbps <= 100000, "nic_Gbps", "must be 1 to 100,000 (Gb/s)");
  need(c.pcie_generation >= 3 && c.pcie_generation <= 7, "pcie_generation", "must be 3 to 7");
  need(c.planes >= 1 && c.planes <= 16, "planes", "must be 1 to 16");
  need(c.hop_latency_us >= 0 && c.hop_latency_us <= 1000, "hop_latency_us",
       "must be 0 to 1,000 (us)");
  need(c.launch_us >= 0 && c.launch_us <= 1000000, "launch_us", "must be 0 to 1,000,000 (us)");
  need(c.mnnvl_rank_us >= 0 && c.mnnvl_rank_us <= 1000, "mnnvl_rank_us", "must be 0 to 1,000 (us)");
  need(c.cpu == "x86-intel" || c.cpu == "x86-amd" || c.cpu == "arm", "cpu",
       "must be x86-intel, x86-amd or arm");
  need(c.tiers.size() <= 8, "tiers", "at most 8 tiers");
  need(!c.tiers.empty() || c.gpus <= c.gpus_per_domain, "tiers",
       "a cluster of more than one NVLink domain needs at least one fabric tier");
  need(c.nics_per_node > 0 || c.gpus <= c.gpus_per_domain, "nics_per_node",
       "a cluster of more than one NVLink domain needs NICs");
  for (std::size_t t = 0; t < c.tiers.size(); ++t) {
    const std::string name = "tiers[" + std::to_string(t) + "]";
    if (c.tiers[t].radix < 2 || c.tiers[t].radix > 4096) {
      bad(src, name + ".radix", "must be 2 to 4096");
    }
    if (!(c.tiers[t].oversubscription >= 1 && c.tiers[t].oversubscription <= 64)) {
      bad(src, name + ".oversubscription", "must be 1 (non-blocking) to 64");
    }
    if (t > 0 && c.tiers[t].radix < c.tiers[t - 1].radix / 2) {
      bad(src, name + ".radix",
          "cannot take the up links of the tier below (radix below half of tiers[" +
              std::to_string(t - 1) + "])");
    }
  }
  if (c.tiers.empty() || static_cast<double>(c.gpus) <= fabric_gpus(c)) return;
  bad(src, "gpus",
      std::to_string(c.gpus) + " GPUs exceed what the tiers hold (" +
          std::to_string(static_cast<int64_t>(fabric_gpus(c))) + ")");
}

}  // namespace

ClusterSpec load_cluster(const std::string& path) {
  std::ifstream in = open_input_file(path, "cluster file");
  std::stringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers such as 1e400
    throw UsageError(path + ": not valid JSON (" + json_error_reason(e) + ")");
  }
  const JsonLineMap lines(body);
  return cluster_from_json(j, path, lines, "", "");
}

ClusterSpec cluster_from_json(const nlohmann::json& j, const std::string& where) {
  return cluster_from(j, ClusterSource{where, nullptr, "", ""});
}

ClusterSpec cluster_from_json(const nlohmann::json& j, const std::string& file,
                              const JsonLineMap& lines, const std::string& pointer,
                              const std::string& label) {
  return cluster_from(j, ClusterSource{file, &lines, pointer, label});
}

namespace {

ClusterSpec cluster_from(const nlohmann::json& j, const ClusterSource& src) {
  const std::string& where = src.file;  // a cluster's name when the file gives none
  if (!j.is_object()) throw UsageError(src.at(src.pointer) + "expected a JSON object");
  static const char* const kKnown[] = {"name",
                                       "preset",
                                       "gpus",
                                       "gpus_per_node",
                                       "gpus_per_domain",
                                       "nvlink_generation",
                                       "nvlink_links",
                                       "nvls",
                                       "nics_per_node",
                                       "nic_Gbps",
                                       "pcie_generation",
                                       "sharp",
                                       "rail_optimized",
                                       "any_to_any",
                                       "tiers",
                                       "planes",
                                       "hop_latency_us",
                                       "cpu",
                                       "launch_us",
                                       "source",
                                       "assumptions",
                                       "mnnvl_rank_us"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      bad(src, key, "unknown field");
    }
  }
  ClusterSpec c;
  if (j.contains("preset")) {
    try {
      c = cluster_preset(field<std::string>(j, "preset", "", src));
    } catch (const UsageError& e) {
      throw UsageError(src.at(src.pointer + "/preset") + e.what());
    }
  }
  c.name = field(j, "name", c.name.empty() ? where : c.name, src);
  c.gpus = field(j, "gpus", c.gpus, src);
  c.gpus_per_node = field(j, "gpus_per_node", c.gpus_per_node, src);
  c.gpus_per_domain = field(j, "gpus_per_domain", c.gpus_per_domain, src);
  c.nvlink_generation = field(j, "nvlink_generation", c.nvlink_generation, src);
  c.nvlink_links = field(j, "nvlink_links", c.nvlink_links, src);
  c.nvls = field(j, "nvls", c.nvls, src);
  c.nics_per_node = field(j, "nics_per_node", c.nics_per_node, src);
  c.nic_Gbps = field(j, "nic_Gbps", c.nic_Gbps, src);
  c.pcie_generation = field(j, "pcie_generation", c.pcie_generation, src);
  c.sharp = field(j, "sharp", c.sharp, src);
  c.rail_optimized = field(j, "rail_optimized", c.rail_optimized, src);
  c.any_to_any = field(j, "any_to_any", c.any_to_any, src);
  if (j.contains("tiers")) c.tiers = tiers_from(j["tiers"], src);
  c.planes = field(j, "planes", c.planes, src);
  c.hop_latency_us = field(j, "hop_latency_us", c.hop_latency_us, src);
  c.cpu = field(j, "cpu", c.cpu, src);
  c.launch_us = field(j, "launch_us", c.launch_us, src);
  c.mnnvl_rank_us = field(j, "mnnvl_rank_us", c.mnnvl_rank_us, src);
  c.source = field(j, "source", c.source, src);
  c.assumptions = field(j, "assumptions", c.assumptions, src);
  check_cluster(c, src);
  return c;
}

}  // namespace

}  // namespace collbench
