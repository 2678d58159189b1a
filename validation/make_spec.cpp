#include "validation/make_spec.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "core/errors.hpp"
#include "core/statistics.hpp"

namespace collbench {
namespace {

// Rounds a threshold to 3 significant digits, so specs read well and diff cleanly.
double round3(double value) {
  if (value <= 0) return value;
  double scale = 1;
  while (value * scale < 100) scale *= 10;
  while (value * scale >= 1000) scale /= 10;
  return std::round(value * scale) / scale;
}

}  // namespace

ValidationSpec make_spec(const std::vector<nlohmann::json>& probes,
                         const std::vector<nlohmann::json>& runs, const MakeSpecOptions& options,
                         const std::vector<std::string>& sources) {
  if (!(options.margin > 0 && options.margin < 1)) {
    throw UsageError("--margin must be between 0 and 1 (a fraction of the median)");
  }
  // (phase, test, bytes) -> busbw and time samples of the probes that verified clean.
  std::map<std::tuple<Phase, std::string, int64_t>,
           std::pair<std::vector<double>, std::vector<double>>>
      samples;
  for (const nlohmann::json& p : probes) {
    if (p.value("wrong", int64_t{0}) != 0) continue;  // a known-good run has no wrong data
    const auto phase = parse_phase(p.value("phase", ""));
    if (!phase) continue;
    auto& [busbw, time] = samples[{*phase, p.value("test", ""), p.value("bytes", int64_t{0})}];
    busbw.push_back(p.value("busbw_GBps", 0.0));
    time.push_back(p.value("time_us", 0.0));
  }
  if (samples.empty()) {
    throw UsageError("--make-spec: the input has no probe records of a validate run");
  }
  ValidationSpec spec;
  spec.name = options.name.empty() ? "derived" : options.name;
  spec.description = "Derived by collbench validate --make-spec: medians of known-good runs, " +
                     std::to_string(static_cast<int>(options.margin * 100 + 0.5)) + "% margin";
  spec.sources = sources;
  for (const auto& [key, values] : samples) {
    const auto& [phase, test, bytes] = key;
    SpecCheck check{phase, test, bytes, {}, {}, {}, {}};
    const bool latency = phase != Phase::kCopy && bytes <= options.latency_max_bytes;
    if (latency) {
      const double typical = median(values.second);
      check.max_us = round3(typical / (1 - options.margin));
      check.warn_us = std::min(*check.max_us, round3(typical / (1 - options.margin / 2)));
    } else {
      const double typical = median(values.first);
      if (!(typical > 0)) continue;
      check.min_GBps = round3(typical * (1 - options.margin));
      check.warn_GBps = std::max(*check.min_GBps, round3(typical * (1 - options.margin / 2)));
    }
    spec.checks.push_back(check);
  }
  // The expected topology: what every known-good run's nodes had, when they agree.
  std::vector<nlohmann::json> topologies;
  for (const nlohmann::json& run : runs) {
    if (run.contains("node_topology") && run["node_topology"].is_object()) {
      topologies.push_back(run["node_topology"]);
    }
  }
  if (!topologies.empty() &&
      std::all_of(topologies.begin(), topologies.end(),
                  [&](const nlohmann::json& t) { return t == topologies.front(); })) {
    const nlohmann::json& t = topologies.front();
    if (t.contains("gpus")) spec.topology.gpus = t["gpus"].get<int>();
    if (t.contains("nics")) spec.topology.nics = t["nics"].get<int>();
    spec.topology.gpu_model = t.value("gpu_model", "");
    spec.topology.nic_model = t.value("nic_model", "");
  }
  return spec;
}

}  // namespace collbench
