// Judges that know (docs/results.md, "Judging"): a row whose samples are unstable is
// "inconclusive" in compare and history check: never a regression, never counted as a pass;
// wrong data is still wrong.
#include <gtest/gtest.h>

#include "results/compare.hpp"
#include "results/history_judging.hpp"

namespace collbench {
namespace {

ResultRow row(double time_us, std::vector<double> samples, std::optional<bool> stable) {
  ResultRow r;
  r.collective = "all_reduce";
  r.backend = "mpi";
  r.dtype = "float";
  r.redop = "sum";
  r.nranks = 2;
  r.bytes = 1 << 20;
  r.time_us = time_us;
  r.time_us_min = *std::min_element(samples.begin(), samples.end());
  r.time_us_max = *std::max_element(samples.begin(), samples.end());
  r.busbw = 1.0 / time_us;
  r.wrong = 0;
  r.samples_us = std::move(samples);
  r.stable = stable;
  return r;
}

TEST(Inconclusive, CompareNeverCallsAnUnstableRowWorse) {
  const ResultRow base = row(100, {99, 100, 101, 100, 100}, true);
  // Ten times slower with every sample agreeing: worse when the row is stable...
  const ResultRow slow = row(1000, {990, 1000, 1010, 1000, 1000}, true);
  EXPECT_EQ(judge(base, slow, JudgeRule{}, nullptr), Change::kWorse);
  // ...inconclusive when its samples were marked unstable, on either side.
  ResultRow unstable = slow;
  unstable.stable = false;
  std::string why;
  EXPECT_EQ(judge(base, unstable, JudgeRule{}, &why), Change::kInconclusive);
  EXPECT_EQ(why, "unstable samples in the current run");
  ResultRow unstable_base = base;
  unstable_base.stable = false;
  EXPECT_EQ(judge(unstable_base, base, JudgeRule{}, &why), Change::kInconclusive);
  EXPECT_EQ(why, "unstable samples in the baseline");
  // Files from before the field judge as before.
  ResultRow old = slow;
  old.stable.reset();
  EXPECT_EQ(judge(base, old, JudgeRule{}, nullptr), Change::kWorse);
  // Wrong data is wrong whatever the timing.
  unstable.wrong = 3;
  EXPECT_EQ(judge(base, unstable, JudgeRule{}, nullptr), Change::kWorse);
}

TEST(Inconclusive, PooledCyclesAreJudgedAgainOverAllSamples) {
  // Cycles of one configuration are judged over their pooled samples: samples that still
  // disagree stay unstable, samples that agree become stable.
  const ResultRow quiet = row(100, {100, 101, 99}, true);
  ResultRow noisy = row(100, {100, 400, 30}, false);
  const std::vector<ResultRow> mixed = pool_by_configuration({quiet, noisy});
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_FALSE(mixed[0].stable.value());
  ResultRow nearly = row(100, {100, 102, 98}, false);
  const std::vector<ResultRow> calm = pool_by_configuration({quiet, nearly});
  EXPECT_TRUE(calm[0].stable.value());
}

TEST(Inconclusive, HistoryCheckDoesNotJudgeAnUnstableRow) {
  const std::vector<double> history = {10, 10.1, 9.9, 10, 10};
  ResultRow current = row(100, {100, 100, 100}, true);
  current.busbw = 5;  // half the history: a regression when stable
  EXPECT_TRUE(judge_against_history(current, history, 3, 5).regression);
  current.stable = false;
  const HistoryJudgement j = judge_against_history(current, history, 3, 5);
  EXPECT_TRUE(j.inconclusive);
  EXPECT_FALSE(j.regression);
  current.wrong = 1;
  EXPECT_TRUE(judge_against_history(current, history, 3, 5).regression);
}

}  // namespace
}  // namespace collbench
