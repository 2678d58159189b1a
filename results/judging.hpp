#pragma once
// The one rule `compare` and `history check` judge by (docs/results.md, "Judging"): a current
// measurement is worse than its reference when its median is beyond the reference's median by
// more than a band, and most pairs of current and reference values agree.
//
//   band = max(threshold %, K x 1.4826 x MAD / median)      (defaults 5 %, K = 3)
//   worse  when the current median is beyond the reference median by more than the band, AND
//          at least 90 % of (current, reference) value pairs have the current one worse
//          (the probability of superiority behind the Mann-Whitney U test).
//
// Then across sizes: a change at one size whose neighbouring sizes (the next smaller and larger
// size of the same configuration) did not change the same way is a stall during that size's
// samples, not the system: it is reported as `same` ("isolated"). A configuration measured at
// fewer than 3 sizes is judged size by size. Wrong data is never downgraded.
//
// `compare` judges a row's timed samples against the baseline row's (MAD from both sides'
// samples, each relative to its own median, so the shift itself does not widen the band);
// `history check` judges a row's busbw against the last N stored runs' (MAD from the history).
#include <cstdint>
#include <string>
#include <vector>

namespace collbench {

// kInconclusive: a side's samples are unstable (core/stability.hpp), so neither a change nor its
// absence can be told from noise; never a regression, never counted as a pass.
enum class Change { kBetter, kSame, kWorse, kInconclusive };
const char* change_name(Change change);

struct JudgeRule {
  double threshold_pct = 5;  // the smallest change that counts, in percent of the median
  double mad_factor = 3;     // K: how many robust standard deviations the change must exceed
  double agreement = 0.9;    // the share of value pairs that must agree
};

struct Judgement {
  Change change = Change::kSame;
  double ratio = 1;        // current median / reference median
  double band = 0;         // the fraction a change must exceed
  double spread = 0;       // 1.4826 x MAD / median: the relative robust standard deviation
  double agreement = 0.5;  // share of pairs where the current value is worse
};

// `higher_is_better`: busbw (true) or time (false). Empty inputs judge `same`.
Judgement judge_values(const std::vector<double>& reference, const std::vector<double>& current,
                       bool higher_is_better, const JudgeRule& rule);

// One judged row for the check across sizes; `change` and `why` are updated in place.
struct SizedChange {
  std::string config;  // the configuration without the size
  int64_t bytes = 0;
  Change* change = nullptr;
  std::string* why = nullptr;
  bool wrong_data = false;  // never downgraded
};
void require_neighbour_agreement(std::vector<SizedChange>& rows);

}  // namespace collbench
