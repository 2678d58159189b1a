#include "validation/make_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

// A probe's samples: per-sample times (`samples_us`; files from before it have the median only).
std::vector<double> sample_times(const nlohmann::json& probe) {
  std::vector<double> times;
  if (probe.contains("samples_us") && probe["samples_us"].is_array()) {
    for (const auto& t : probe["samples_us"]) {
      if (t.is_number() && t.get<double>() > 0) times.push_back(t.get<double>());
    }
  }
  if (times.empty() && probe.value("time_us", 0.0) > 0) times.push_back(probe["time_us"]);
  return times;
}

// The 95th percentile (nearest rank) of the samples, worst side first: the worst healthy sample
// but one freak in twenty.
double high_percentile(std::vector<double> values, bool higher_is_worse) {
  std::sort(values.begin(), values.end());
  if (!higher_is_worse) std::reverse(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

double robust_spread(const std::vector<double>& values, double center) {
  std::vector<double> deviations;
  for (double v : values) deviations.push_back(std::fabs(v - center));
  return 1.4826 * median(deviations);
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

}  // namespace

DerivedLimits derive_latency_limits(const std::vector<double>& times_us, double margin) {
  DerivedLimits d;
  d.median = median(times_us);
  d.spread = robust_spread(times_us, d.median);
  d.worst = high_percentile(times_us, true);
  const double by_margin = d.median / (1 - margin);
  d.fail = round3(std::max({by_margin, d.median + 6 * d.spread, d.worst * (1 + margin)}));
  d.warn = std::min(
      d.fail, round3(std::max({d.median / (1 - margin / 2), d.median + 3 * d.spread, d.worst})));
  d.loose = d.fail > 2 * by_margin;
  return d;
}

DerivedLimits derive_bandwidth_limits(const std::vector<double>& GBps, double margin) {
  DerivedLimits d;
  d.median = median(GBps);
  d.spread = robust_spread(GBps, d.median);
  d.worst = high_percentile(GBps, false);
  const double by_margin = d.median * (1 - margin);
  // A limit at or below zero judges nothing: keep a floor, and call the check loose.
  const double floor = 0.02 * d.median;
  d.fail = round3(
      std::max(floor, std::min({by_margin, d.median - 6 * d.spread, d.worst * (1 - margin)})));
  d.warn = std::max(
      d.fail, round3(std::min({d.median * (1 - margin / 2), d.median - 3 * d.spread, d.worst})));
  d.loose = d.fail < 0.5 * by_margin;
  return d;
}

ValidationSpec make_spec(const std::vector<nlohmann::json>& probes,
                         const std::vector<nlohmann::json>& runs, const MakeSpecOptions& options,
                         const std::vector<std::string>& sources,
                         std::vector<std::string>* warnings) {
  if (!(options.margin > 0 && options.margin < 1)) {
    throw UsageError("--margin must be between 0 and 1 (a fraction of the median)");
  }
  auto warn = [&](const std::string& text) {
    if (warnings) warnings->push_back(text);
  };
  // (phase, test, bytes) -> busbw and time samples of the probes that verified clean.
  std::map<std::tuple<Phase, std::string, int64_t>,
           std::pair<std::vector<double>, std::vector<double>>>
      samples;
  for (const nlohmann::json& p : probes) {
    if (p.value("wrong", int64_t{0}) != 0) continue;  // a known-good run has no wrong data
    const auto phase = parse_phase(p.value("phase", ""));
    if (!phase) continue;
    auto& [busbw, time] = samples[{*phase, p.value("test", ""), p.value("bytes", int64_t{0})}];
    const double median_time = p.value("time_us", 0.0);
    const double median_busbw = p.value("busbw_GBps", 0.0);
    for (double t : sample_times(p)) {
      time.push_back(t);
      // busbw scales with 1 / time: each sample's busbw from the probe's median pair.
      if (median_time > 0 && median_busbw > 0) busbw.push_back(median_busbw * median_time / t);
    }
    if (sample_times(p).empty() && median_busbw > 0) busbw.push_back(median_busbw);
  }
  if (samples.empty()) {
    throw UsageError("--make-spec: the input has no probe records of a validate run");
  }
  if (static_cast<int>(runs.size()) < kSpecRunsWanted) {
    warn("the spec comes from " + std::to_string(runs.size()) + " run(s): give " +
         std::to_string(kSpecRunsWanted) +
         " or more known-good runs (at different times) for limits that hold on later runs");
  }
  ValidationSpec spec;
  spec.name = options.name.empty() ? "derived" : options.name;
  spec.description =
      "Derived by collbench validate --make-spec from " + std::to_string(runs.size()) +
      " run(s): per check the median, robust spread and worst of every healthy sample, at least " +
      std::to_string(static_cast<int>(options.margin * 100 + 0.5)) + "% from the median";
  spec.sources = sources;
  for (const auto& [key, values] : samples) {
    const auto& [phase, test, bytes] = key;
    SpecCheck check{phase, test, bytes, {}, {}, {}, {}};
    const bool latency = phase != Phase::kCopy && bytes <= options.latency_max_bytes;
    const std::vector<double>& data = latency ? values.second : values.first;
    if (data.empty()) continue;
    const std::string name =
        std::string(phase_name(phase)) + " " + test + " " + std::to_string(bytes) + " B";
    if (static_cast<int>(data.size()) < kSpecSamplesWanted) {
      warn(name + ": only " + std::to_string(data.size()) + " samples (wanted " +
           std::to_string(kSpecSamplesWanted) + "): more runs or a larger --repeat");
    }
    DerivedLimits d;
    if (latency) {
      d = derive_latency_limits(data, options.margin);
      check.max_us = d.fail;
      check.warn_us = d.warn;
    } else {
      d = derive_bandwidth_limits(data, options.margin);
      if (!(d.median > 0)) continue;
      check.min_GBps = d.fail;
      check.warn_GBps = d.warn;
    }
    if (d.loose) {
      warn(name + ": the healthy samples spread widely (median " + format_number(d.median) +
           ", worst " + format_number(d.worst) + (latency ? " us" : " GB/s") +
           "), so its limits are loose (fail " + (latency ? "above " : "below ") +
           format_number(d.fail) + "); a quieter machine tightens them");
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
