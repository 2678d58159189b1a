#pragma once
// `collbench validate --make-spec`: a spec from the JSON Lines of known-good validate runs. Per
// phase, test and size it pools the samples of every clean probe of every run and sets the limits
// from their median, their robust spread and their 95th percentile (docs/validation.md), so the
// machine the runs came from passes its own spec. Small messages (<= 64 KiB) get latency checks,
// larger ones bandwidth.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "validation/spec.hpp"

namespace collbench {

struct MakeSpecOptions {
  double margin = 0.2;  // at least this far from the median: FAIL at median x (1 - margin) ...
  int64_t latency_max_bytes = 64 << 10;
  std::string name;
};

// Fewer runs or samples than this make a spec that still builds, with a warning.
inline constexpr int kSpecRunsWanted = 3;
inline constexpr int kSpecSamplesWanted = 10;

// The limits of one check from its samples (times in us for latency, GB/s for bandwidth).
struct DerivedLimits {
  double median = 0;
  double spread = 0;  // 1.4826 x the median absolute deviation: a robust standard deviation
  double worst = 0;   // the worst healthy sample but one in twenty (95th percentile)
  double warn = 0;
  double fail = 0;
  bool loose = false;  // the spread, not the margin, set the limits (a noisy check)
};
DerivedLimits derive_latency_limits(const std::vector<double>& times_us, double margin);
DerivedLimits derive_bandwidth_limits(const std::vector<double>& GBps, double margin);

// `probes`: "probe" records; `runs`: "run" records, one per input file (their node topology
// becomes the expected one; fewer than kSpecRunsWanted adds a warning). Warnings about too little
// or too noisy data go to `warnings` when given.
ValidationSpec make_spec(const std::vector<nlohmann::json>& probes,
                         const std::vector<nlohmann::json>& runs, const MakeSpecOptions& options,
                         const std::vector<std::string>& sources,
                         std::vector<std::string>* warnings = nullptr);

}  // namespace collbench
