#pragma once
// The median every summary uses: of samples (run), of nodes and pairs (validate, make-spec), of a
// history. The mean of the middle two for an even count; `values` must not be empty.
#include <algorithm>
#include <vector>

namespace collbench {

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace collbench
