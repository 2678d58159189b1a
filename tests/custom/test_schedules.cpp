// Every schedule, symbolically executed for 1..64 ranks and many node shapes: each output element
// receives exactly the right contributions, never one twice, and every send has its receive (a
// transfer names both ends of one step). A checker that cannot fail proves nothing, so broken
// schedules must be caught too.
#include <gtest/gtest.h>

#include <stdexcept>

#include "collectives/custom/schedule.hpp"
#include "collectives/custom/schedule_check.hpp"

namespace collbench {
namespace {

TEST(Schedules, EveryAlgorithmIsCorrectForEveryShape) {
  int checked = 0;
  for (const ScheduleEntry& entry : schedule_table()) {
    for (int n = 1; n <= 64; ++n) {
      for (int k : {1, 2, 3, 4, 8, n}) {
        if (k > n || n % k != 0) continue;
        const Schedule s = entry.make({n, k});
        ASSERT_EQ(check_schedule(s), "") << collective_spec(entry.collective).name << " "
                                         << entry.algorithm << " n=" << n << " k=" << k;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(Schedules, RootedAlgorithmsFromEveryRoot) {
  int rooted = 0;
  for (const ScheduleEntry& entry : schedule_table()) {
    if (!entry.make_rooted) continue;
    ++rooted;
    for (int n = 1; n <= 33; ++n) {
      for (int root = 0; root < n; ++root) {
        ASSERT_EQ(check_schedule(entry.make_rooted({n, n}, root), root), "")
            << entry.algorithm << " " << n << " " << root;
      }
    }
  }
  EXPECT_EQ(rooted, 2);  // binomial and one-shot broadcast
}

TEST(Schedules, StepCountsAreTheAlgorithms) {
  EXPECT_EQ(ring_all_reduce({8, 8}).steps.size(), 14u);  // 2(n-1)
  EXPECT_EQ(rhd_all_reduce({8, 8}).steps.size(), 6u);    // 2 log2 n
  EXPECT_EQ(rhd_all_reduce({6, 6}).steps.size(), 6u);    // fold, 2 log2 4, unfold
  EXPECT_EQ(two_shot_all_reduce({8, 8}).steps.size(), 2u);
  EXPECT_EQ(one_shot_all_reduce({8, 8}).steps.size(), 1u);
  EXPECT_EQ(bruck_all_to_all({16, 16}).steps.size(), 4u);      // log2 n
  EXPECT_EQ(pairwise_all_to_all({16, 16}).steps.size(), 15u);  // n-1
  EXPECT_EQ(binomial_broadcast({9, 9}, 0).steps.size(), 4u);   // ceil(log2 n)
  EXPECT_EQ(one_shot_all_gather({8, 8}).steps.size(), 1u);
  EXPECT_EQ(one_shot_reduce_scatter({8, 8}).steps.size(), 1u);
  EXPECT_EQ(one_shot_broadcast({8, 8}, 3).steps.size(), 1u);
  // Hierarchical all_to_all sends each remote block across nodes once, on its rail.
  const Schedule h = hierarchical_all_to_all({8, 4});
  for (const Step& step : h.steps) {
    for (const Transfer& t : step.transfers) {
      if (t.src / 4 != t.dst / 4) {
        EXPECT_EQ(t.src % 4, t.dst % 4);
      }
    }
  }
  EXPECT_THROW(hierarchical_all_reduce({6, 4}), std::invalid_argument);
}

TEST(Schedules, BrokenSchedulesAreCaught) {
  Schedule missing = ring_all_reduce({4, 4});
  missing.steps[1].transfers.pop_back();
  EXPECT_NE(check_schedule(missing), "");

  Schedule twice = two_shot_all_reduce({3, 3});
  twice.steps[0].transfers.push_back(twice.steps[0].transfers.front());
  EXPECT_NE(check_schedule(twice).find("already has"), std::string::npos);

  Schedule wrong_peer = pairwise_all_to_all({4, 4});
  wrong_peer.steps[0].transfers[0].dst = (wrong_peer.steps[0].transfers[0].dst + 1) % 4;
  if (wrong_peer.steps[0].transfers[0].dst == wrong_peer.steps[0].transfers[0].src) {
    wrong_peer.steps[0].transfers[0].dst = (wrong_peer.steps[0].transfers[0].dst + 1) % 4;
  }
  EXPECT_NE(check_schedule(wrong_peer), "");

  Schedule wrong_owner = one_shot_reduce_scatter({3, 3});
  wrong_owner.steps[0].transfers[0].chunk = 1;  // rank 0 would receive chunk 1, owned by rank 1
  EXPECT_NE(check_schedule(wrong_owner), "");

  Schedule ghost = ring_all_gather({4, 4});
  ghost.steps[0].transfers[0].chunk = 3;  // rank 0 does not hold chunk 3 yet
  EXPECT_NE(check_schedule(ghost).find("does not hold"), std::string::npos);
}

}  // namespace
}  // namespace collbench
