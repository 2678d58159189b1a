#pragma once
// Whether a row's samples agree well enough for its median to be trusted (docs/measurement.md,
// "Stability"). The rule uses robust measures only, so one late sample does not condemn a row
// and a handful of fast ones do not hide a noisy one:
//   spread   = MAD / median              (MAD: median absolute deviation from the median)
//   outliers = share of samples above 2 x median (late: the machine interfered)
//   fast     = a sample below median / 2: the operation can run at least twice as fast as the
//              median says, so the median itself is inflated by interference
//   stable   = at least 3 samples, spread <= 10 %, outliers <= 20 % and no fast sample
// Fewer than 3 samples cannot be judged.
#include <optional>
#include <vector>

namespace collbench {

inline constexpr int kMinSamplesToJudge = 3;
inline constexpr double kStableSpread = 0.10;
inline constexpr double kStableOutliers = 0.20;
inline constexpr double kFastestOverMedian = 0.5;

struct Stability {
  double spread = 0;            // MAD / median
  double outlier_fraction = 0;  // late samples, in [0, 1]
  double max_over_median = 0;
  double min_over_median = 0;
  std::optional<bool> stable;  // nullopt: too few samples to judge
};

Stability assess_stability(const std::vector<double>& samples);

}  // namespace collbench
