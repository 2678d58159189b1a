#include "results/judging.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/statistics.hpp"

namespace collbench {

const char* change_name(Change change) {
  switch (change) {
    case Change::kBetter:
      return "better";
    case Change::kSame:
      return "same";
    case Change::kWorse:
      return "worse";
    case Change::kInconclusive:
      return "inconclusive";
  }
  return "same";
}

namespace {

// Each value's deviation from its own side's median, relative to it: a side of one value says
// nothing about noise and adds nothing.
void add_relative_deviations(const std::vector<double>& values, std::vector<double>& out) {
  if (values.size() < 2) return;
  const double m = median(values);
  if (!(m > 0)) return;
  for (double v : values) out.push_back(std::fabs(v / m - 1));
}

// The share of (current, reference) pairs in which the current value is worse; ties count half.
double share_worse(const std::vector<double>& reference, const std::vector<double>& current,
                   bool higher_is_better) {
  double worse = 0;
  for (double c : current) {
    for (double r : reference) {
      if (c == r) {
        worse += 0.5;
      } else if (higher_is_better ? c < r : c > r) {
        worse += 1;
      }
    }
  }
  return worse / static_cast<double>(reference.size() * current.size());
}

}  // namespace

Judgement judge_values(const std::vector<double>& reference, const std::vector<double>& current,
                       bool higher_is_better, const JudgeRule& rule) {
  Judgement j;
  if (reference.empty() || current.empty()) return j;
  const double m_ref = median(reference);
  const double m_cur = median(current);
  if (!(m_ref > 0) || !(m_cur > 0)) return j;
  j.ratio = m_cur / m_ref;
  std::vector<double> deviations;
  add_relative_deviations(reference, deviations);
  add_relative_deviations(current, deviations);
  j.spread = deviations.empty() ? 0 : 1.4826 * median(deviations);
  j.band = std::max(rule.threshold_pct / 100.0, rule.mad_factor * j.spread);
  j.agreement = share_worse(reference, current, higher_is_better);
  // "Beyond by the band" in the measurement's own unit: time above m (1 + band), busbw below
  // m (1 - band); better is the mirror image.
  const bool beyond_worse =
      higher_is_better ? m_cur < m_ref * (1 - j.band) : m_cur > m_ref * (1 + j.band);
  const bool beyond_better =
      higher_is_better ? m_cur > m_ref * (1 + j.band) : m_cur < m_ref * (1 - j.band);
  if (beyond_worse && j.agreement >= rule.agreement) {
    j.change = Change::kWorse;
  } else if (beyond_better && 1 - j.agreement >= rule.agreement) {
    j.change = Change::kBetter;
  }
  return j;
}

void require_neighbour_agreement(std::vector<SizedChange>& rows) {
  std::map<std::string, std::vector<SizedChange*>> by_config;
  for (SizedChange& row : rows) by_config[row.config].push_back(&row);
  for (auto& [config, sizes] : by_config) {
    if (sizes.size() < 3) continue;
    std::stable_sort(sizes.begin(), sizes.end(), [](const SizedChange* a, const SizedChange* b) {
      return a->bytes < b->bytes;
    });
    // Decide on the changes as judged, then downgrade, so one downgrade does not cascade.
    std::vector<Change> judged;
    for (const SizedChange* s : sizes) judged.push_back(*s->change);
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (judged[i] == Change::kSame || judged[i] == Change::kInconclusive ||
          sizes[i]->wrong_data) {
        continue;
      }
      const bool before = i > 0 && judged[i - 1] == judged[i];
      const bool after = i + 1 < sizes.size() && judged[i + 1] == judged[i];
      if (before || after) continue;
      *sizes[i]->change = Change::kSame;
      if (sizes[i]->why) {
        *sizes[i]->why = "isolated: the neighbouring sizes did not change, noise during this size";
      }
    }
  }
}

}  // namespace collbench
