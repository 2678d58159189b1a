#include "results/history_judging.hpp"

#include <cmath>

#include "core/statistics.hpp"
#include "results/judging.hpp"

namespace collbench {

std::string run_key(const RunFile& run) {
  if (run.run.contains("run_id") && run.run["run_id"].is_string()) {
    return "run_id:" + run.run["run_id"].get<std::string>();
  }
  return "content:" + run.content_hash;  // files written before run records had a run_id
}

HistoryJudgement judge_against_history(const ResultRow& row, const std::vector<double>& values,
                                       double mad_factor, double threshold_pct) {
  HistoryJudgement j;
  j.row = row;
  j.history_points = static_cast<int>(values.size());
  j.enough_history = values.size() >= 3 && row.bytes > 0;
  // An unstable row's median is not to be trusted: neither a regression nor a pass (wrong data
  // still is one).
  j.inconclusive = !row.stable.value_or(true) && row.wrong <= 0;
  if (!values.empty() && !j.inconclusive) {
    // The one judging rule (results/judging.hpp), shared with compare: the band is
    // max(PCT% x median, K x 1.4826 x MAD), i.e. floor = median - band in GB/s.
    JudgeRule rule;
    rule.mad_factor = mad_factor;
    rule.threshold_pct = threshold_pct;
    const Judgement judged = judge_values(values, {row.busbw}, true, rule);
    j.median = median(values);
    std::vector<double> deviations;
    for (double v : values) deviations.push_back(std::fabs(v - j.median));
    j.mad = median(deviations);
    j.floor = j.median * (1 - judged.band);
    j.regression = j.enough_history && judged.change == Change::kWorse;
  }
  j.regression = j.regression || row.wrong > 0;
  return j;
}

}  // namespace collbench
