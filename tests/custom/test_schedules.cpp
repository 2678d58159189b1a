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
      for (int k : {1, 2, 3, 4, n}) {
        if (k > n || n % k != 0) continue;
        for (int root = 0; root < n; ++root) {
          ASSERT_EQ(check_schedule(entry.make_rooted({n, k}, root), root), "")
              << entry.algorithm << " n=" << n << " k=" << k << " root " << root;
        }
      }
    }
  }
  EXPECT_EQ(rooted, 3);  // binomial, one-shot and hierarchical broadcast
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
  EXPECT_THROW(hierarchical_all_gather({6, 4}), std::invalid_argument);
}

// The hierarchical algorithms cross between nodes only on rails (the same local rank), and their
// slow tier carries what the algorithm promises: all_gather and reduce_scatter (nodes - 1) chunks
// per rank, the broadcast one chunk into every other node.
TEST(Schedules, HierarchicalTrafficStaysOnRails) {
  const int n = 12, k = 4, nodes = 3;
  for (const Schedule& s : {hierarchical_all_gather({n, k}), hierarchical_reduce_scatter({n, k}),
                            hierarchical_broadcast({n, k}, 6), hierarchical_all_reduce({n, k})}) {
    std::vector<int> crossing(n, 0);
    for (const Step& step : s.steps) {
      for (const Transfer& t : step.transfers) {
        if (t.src / k == t.dst / k) continue;
        EXPECT_EQ(t.src % k, t.dst % k) << s.algorithm;
        ++crossing[t.src];
      }
    }
    int total = 0;
    for (int c : crossing) total += c;
    if (s.collective == Collective::kBroadcast) {
      EXPECT_EQ(total, nodes - 1);
    } else if (s.collective != Collective::kAllReduce) {
      for (int r = 0; r < n; ++r) EXPECT_EQ(crossing[r], nodes - 1) << "rank " << r;
    }
  }
  // Steps: ring across 3 nodes (2) plus ring inside nodes of 4 (3).
  EXPECT_EQ(hierarchical_all_gather({n, k}).steps.size(), 5u);
  EXPECT_EQ(hierarchical_reduce_scatter({n, k}).steps.size(), 5u);
  EXPECT_EQ(hierarchical_broadcast({n, k}, 6).steps.size(), 4u);  // ceil(log2 3) + log2 4
}

TEST(Schedules, AutoPicksByShapeAndSize) {
  EXPECT_STREQ(auto_algorithm(Collective::kAllReduce, {8, 2}, 1024), "rhd");
  EXPECT_STREQ(auto_algorithm(Collective::kAllReduce, {8, 2}, 1 << 20), "hierarchical");
  EXPECT_STREQ(auto_algorithm(Collective::kAllReduce, {8, 8}, 1 << 20), "ring");
  EXPECT_STREQ(auto_algorithm(Collective::kAllToAll, {8, 2}, 8 * 64), "bruck");
  EXPECT_STREQ(auto_algorithm(Collective::kAllToAll, {8, 2}, 8 << 20), "pairwise");
  EXPECT_STREQ(auto_algorithm(Collective::kAllToAll, {8, 1}, 8 << 20), "pairwise");
  EXPECT_STREQ(auto_algorithm(Collective::kBroadcast, {6, 3}, 8), "hierarchical");
  EXPECT_STREQ(auto_algorithm(Collective::kAllGather, {6, 6}, 8), "ring");
  // Every name auto gives is in the schedule table for its collective.
  for (Collective c : {Collective::kAllReduce, Collective::kAllToAll, Collective::kAllGather,
                       Collective::kReduceScatter, Collective::kBroadcast}) {
    for (const Shape shape : {Shape{6, 6}, Shape{6, 2}, Shape{1, 1}}) {
      for (std::size_t bytes : {std::size_t{8}, std::size_t{1} << 24}) {
        const std::string name = auto_algorithm(c, shape, bytes);
        bool found = false;
        for (const ScheduleEntry& e : schedule_table()) {
          found = found || (e.collective == c && name == e.algorithm);
        }
        EXPECT_TRUE(found) << collective_spec(c).name << " " << name;
      }
    }
  }
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
