#include "core/stability.hpp"

#include <algorithm>
#include <cmath>

#include "core/statistics.hpp"

namespace collbench {

Stability assess_stability(const std::vector<double>& samples) {
  Stability s;
  if (samples.empty()) return s;
  const double middle = median(samples);
  if (!(middle > 0)) {
    // All zero (or a broken timer): nothing varies relative to it, but nothing is trustworthy
    // either when the samples disagree.
    const bool all_same =
        std::all_of(samples.begin(), samples.end(), [&](double x) { return x == samples.front(); });
    if (static_cast<int>(samples.size()) >= kMinSamplesToJudge) s.stable = all_same;
    return s;
  }
  std::vector<double> deviations;
  deviations.reserve(samples.size());
  int outliers = 0;
  double largest = samples.front();
  double smallest = samples.front();
  for (double x : samples) {
    deviations.push_back(std::fabs(x - middle));
    if (x > 2 * middle) ++outliers;
    largest = std::max(largest, x);
    smallest = std::min(smallest, x);
  }
  s.spread = median(deviations) / middle;
  s.outlier_fraction = static_cast<double>(outliers) / static_cast<double>(samples.size());
  s.max_over_median = largest / middle;
  s.min_over_median = smallest / middle;
  if (static_cast<int>(samples.size()) >= kMinSamplesToJudge) {
    s.stable = s.spread <= kStableSpread && s.outlier_fraction <= kStableOutliers &&
               s.min_over_median >= kFastestOverMedian;
  }
  return s;
}

}  // namespace collbench
