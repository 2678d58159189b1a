#include "model/cluster.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/json_value.hpp"

namespace collbench {
namespace {

// Presets. Sources: NVIDIA HGX H100 and DGX H100 datasheets (8 GPUs, NVLink4 at 900 GB/s
// bidirectional = 450 GB/s per direction per GPU, one ConnectX-7 NDR 400 Gb/s NIC per GPU);
// NVIDIA GB200 NVL72 datasheet (72-GPU NVLink5 domain, 1.8 TB/s bidirectional = 900 GB/s per
// direction per GPU); NDR InfiniBand switches (Quantum-2: 64 ports of 400 Gb/s). Latencies are
// typical published figures (NVLink ~1 us per step incl. software, NDR switch ~0.3 us per hop).
ClusterSpec hgx_h100_ndr400() {
  ClusterSpec c;
  c.name = "hgx-h100-ndr400";
  c.gpus = 1024;
  c.gpus_per_domain = 8;
  c.scaleup_GBps = 450;
  c.scaleup_latency_us = 1.0;
  c.nics_per_gpu = 1;
  c.nic_Gbps = 400;
  c.nic_latency_us = 2.0;
  c.tiers = 3;
  c.radix = 64;
  c.oversubscription = {1, 1, 1};
  c.hop_latency_us = 0.3;
  c.reduce_GBps = 2000;
  c.source = "NVIDIA HGX/DGX H100 datasheets; Quantum-2 NDR 64-port switches";
  return c;
}

ClusterSpec gb200_nvl72_ndr400() {
  ClusterSpec c = hgx_h100_ndr400();
  c.name = "gb200-nvl72-ndr400";
  c.gpus = 72 * 16;
  c.gpus_per_domain = 72;
  c.scaleup_GBps = 900;
  c.scaleup_latency_us = 1.0;
  c.reduce_GBps = 4000;
  c.source = "NVIDIA GB200 NVL72 datasheet; ConnectX-7/8 NDR 400G; Quantum-2 switches";
  return c;
}

// Exact (core/json_value.hpp): "gpus": 4294967298 is refused, never truncated.
template <typename T>
T field_value(const nlohmann::json& value, const char* name, const std::string& path) {
  std::string why;
  const std::optional<T> read = exact_json<T>(value, &why);
  if (!read) throw UsageError(path + ": " + name + ": " + why);
  return *read;
}

template <typename T>
T field(const nlohmann::json& j, const char* name, T fallback, const std::string& path) {
  if (!j.contains(name)) return fallback;
  if constexpr (std::is_same_v<T, std::vector<double>>) {
    if (!j.at(name).is_array())
      throw UsageError(path + ": " + name + ": must be a list of numbers");
    T values;
    for (const nlohmann::json& item : j.at(name))
      values.push_back(field_value<double>(item, name, path));
    return values;
  } else {
    return field_value<T>(j.at(name), name, path);
  }
}

}  // namespace

std::vector<std::string> cluster_preset_names() {
  return {"hgx-h100-ndr400", "gb200-nvl72-ndr400"};
}

ClusterSpec cluster_preset(const std::string& name) {
  if (name == "hgx-h100-ndr400") return hgx_h100_ndr400();
  if (name == "gb200-nvl72-ndr400") return gb200_nvl72_ndr400();
  throw UsageError("unknown preset '" + name + "' (choose hgx-h100-ndr400 or gb200-nvl72-ndr400)");
}

void validate_cluster(const ClusterSpec& c) {
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw UsageError("cluster " + c.name + ": " + what);
  };
  need(c.gpus >= 1 && c.gpus <= 1000000, "gpus must be 1 to 1,000,000");
  need(c.gpus_per_domain >= 1, "gpus_per_domain must be at least 1");
  need(c.scaleup_GBps > 0 && c.nic_Gbps > 0 && c.reduce_GBps > 0, "bandwidths must be positive");
  need(c.nics_per_gpu >= 1, "nics_per_gpu must be at least 1");
  need(c.scaleup_latency_us >= 0 && c.nic_latency_us >= 0 && c.hop_latency_us >= 0,
       "latencies must not be negative");
  need(c.tiers >= 1 && c.tiers <= 5, "tiers must be 1 to 5");
  need(c.radix >= 2, "radix must be at least 2");
  need(static_cast<int>(c.oversubscription.size()) == c.tiers,
       "oversubscription needs one value per tier");
  for (double o : c.oversubscription) need(o >= 1, "oversubscription values must be >= 1");
}

ClusterSpec load_cluster(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read cluster file " + path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse errors, and numbers such as 1e400
    throw UsageError(path + ": not valid JSON (" + json_error_reason(e) + ")");
  }
  if (!j.is_object()) throw UsageError(path + ": expected a JSON object");
  static const char* const kKnown[] = {"name",
                                       "gpus",
                                       "gpus_per_domain",
                                       "scaleup_GBps",
                                       "scaleup_latency_us",
                                       "nics_per_gpu",
                                       "nic_Gbps",
                                       "nic_latency_us",
                                       "tiers",
                                       "radix",
                                       "oversubscription",
                                       "hop_latency_us",
                                       "reduce_GBps",
                                       "source",
                                       "preset"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key) == std::end(kKnown)) {
      throw UsageError(path + ": unknown field '" + key + "'");
    }
  }
  ClusterSpec c = j.contains("preset") ? cluster_preset(field<std::string>(j, "preset", "", path))
                                       : ClusterSpec{};
  c.name = field(j, "name", c.name.empty() ? path : c.name, path);
  c.gpus = field(j, "gpus", c.gpus, path);
  c.gpus_per_domain = field(j, "gpus_per_domain", c.gpus_per_domain, path);
  c.scaleup_GBps = field(j, "scaleup_GBps", c.scaleup_GBps, path);
  c.scaleup_latency_us = field(j, "scaleup_latency_us", c.scaleup_latency_us, path);
  c.nics_per_gpu = field(j, "nics_per_gpu", c.nics_per_gpu, path);
  c.nic_Gbps = field(j, "nic_Gbps", c.nic_Gbps, path);
  c.nic_latency_us = field(j, "nic_latency_us", c.nic_latency_us, path);
  c.tiers = field(j, "tiers", c.tiers, path);
  c.radix = field(j, "radix", c.radix, path);
  c.oversubscription = field(
      j, "oversubscription",
      c.oversubscription.empty() ? std::vector<double>(c.tiers, 1.0) : c.oversubscription, path);
  c.hop_latency_us = field(j, "hop_latency_us", c.hop_latency_us, path);
  c.reduce_GBps = field(j, "reduce_GBps", c.reduce_GBps, path);
  c.source = field(j, "source", c.source, path);
  validate_cluster(c);
  return c;
}

}  // namespace collbench
