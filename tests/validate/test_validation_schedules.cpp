// Pairing, bisection and pair judgement of `collbench validate`, and their simulation at scale.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "validation/bisection.hpp"
#include "validation/pair_judgement.hpp"
#include "validation/pairing.hpp"
#include "validation/simulation.hpp"

namespace collbench {
namespace {

void expect_disjoint(const PairRound& round, int nodes) {
  std::set<int> seen;
  for (auto [a, b] : round) {
    EXPECT_LT(a, b);
    EXPECT_GE(a, 0);
    EXPECT_LT(b, nodes);
    EXPECT_TRUE(seen.insert(a).second) << "node " << a << " twice in one round";
    EXPECT_TRUE(seen.insert(b).second) << "node " << b << " twice in one round";
  }
}

TEST(RoundRobin, EveryPairMeetsExactlyOnce) {
  for (int n = 2; n <= 17; ++n) {
    const std::vector<PairRound> rounds = round_robin_rounds(n);
    EXPECT_EQ(static_cast<int>(rounds.size()), n % 2 ? n : n - 1) << n << " nodes";
    std::map<std::pair<int, int>, int> met;
    for (const PairRound& round : rounds) {
      expect_disjoint(round, n);
      EXPECT_EQ(static_cast<int>(round.size()), n / 2) << "every round plays n/2 pairs";
      for (const auto& pair : round) ++met[pair];
    }
    EXPECT_EQ(static_cast<int>(met.size()), n * (n - 1) / 2);
    for (const auto& [pair, count] : met) EXPECT_EQ(count, 1);
  }
  EXPECT_TRUE(round_robin_rounds(1).empty());
}

TEST(RandomPairs, PerfectMatchingsDeterministicPerSeed) {
  const std::vector<PairRound> a = random_pair_rounds(1001, 4, 7);
  const std::vector<PairRound> b = random_pair_rounds(1001, 4, 7);
  const std::vector<PairRound> c = random_pair_rounds(1001, 4, 8);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (const PairRound& round : a) {
    expect_disjoint(round, 1001);
    EXPECT_EQ(round.size(), 500u);
  }
  EXPECT_NE(a[0], a[1]) << "rounds differ";
  EXPECT_EQ(pairing_schedule(8, 32, 3, 1).size(), 7u);
  EXPECT_EQ(pairing_schedule(64, 32, 3, 1).size(), 3u);
}

TEST(Bisection, NamesOneBadNodeInLogRounds) {
  std::vector<int> all(37);
  for (int i = 0; i < 37; ++i) all[i] = i;
  Bisection bisection(all);
  int rounds = 0;
  while (!bisection.done()) {
    const auto groups = bisection.next_round();
    std::vector<bool> failed;
    for (const auto& g : groups) failed.push_back(std::count(g.begin(), g.end(), 23) > 0);
    bisection.report(failed);
    ++rounds;
  }
  EXPECT_EQ(bisection.culprits(), std::vector<int>{23});
  EXPECT_GE(rounds, 5);  // floor(log2 37): the halves differ in size by one
  EXPECT_LE(rounds, 6);  // ceil(log2 37)
  EXPECT_TRUE(bisection.unresolved().empty());
}

TEST(Bisection, AFaultBetweenHalvesIsNotBlamedOnANode) {
  Bisection bisection({0, 1, 2, 3});
  const auto groups = bisection.next_round();
  ASSERT_EQ(groups.size(), 2u);
  bisection.report({false, false});
  EXPECT_TRUE(bisection.done());
  EXPECT_TRUE(bisection.culprits().empty());
  ASSERT_EQ(bisection.unresolved().size(), 1u);
  EXPECT_EQ(bisection.unresolved()[0], (std::vector<int>{0, 1, 2, 3}));
}

std::vector<PairOutcome> play(int nodes, const std::set<int>& bad) {
  std::vector<PairOutcome> outcomes;
  for (const PairRound& round : round_robin_rounds(nodes)) {
    for (auto [a, b] : round) outcomes.push_back({a, b, bad.count(a) || bad.count(b)});
  }
  return outcomes;
}

TEST(JudgePairs, TheBadNodeFailsItsPartnersPass) {
  const auto judged = judge_pairs(4, play(4, {2}));
  for (int n = 0; n < 4; ++n) {
    EXPECT_EQ(judged[n].status, n == 2 ? Status::kFail : Status::kPass) << "node " << n;
  }
  EXPECT_EQ(judged[2].failures, 3);
  EXPECT_EQ(judged[2].failed_partners, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(judged[0].unexplained, 0);
}

TEST(JudgePairs, TwoBadNodesAmongFour) {
  const auto judged = judge_pairs(4, play(4, {0, 3}));
  EXPECT_EQ(judged[0].status, Status::kFail);
  EXPECT_EQ(judged[3].status, Status::kFail);
  EXPECT_EQ(judged[1].status, Status::kPass) << "fails only with bad partners";
  EXPECT_EQ(judged[2].status, Status::kPass);
}

TEST(JudgePairs, OnePairCannotTellWhichNode) {
  const auto judged = judge_pairs(2, {{0, 1, true}});
  EXPECT_EQ(judged[0].status, Status::kWarn);
  EXPECT_EQ(judged[1].status, Status::kWarn);
}

TEST(JudgePairs, OneFlakyPairWarnsWithoutFailing) {
  std::vector<PairOutcome> outcomes = play(6, {});
  for (PairOutcome& o : outcomes) o.failed = o.a == 1 && o.b == 4;
  const auto judged = judge_pairs(6, outcomes);
  for (int n = 0; n < 6; ++n) {
    EXPECT_EQ(judged[n].status, n == 1 || n == 4 ? Status::kWarn : Status::kPass) << n;
  }
}

// The simulation behind docs/validation.md: 10,000 nodes, 1 to 3 bad ones.
TEST(Simulation, TenThousandNodesNamedInLogRounds) {
  const int nodes = 10000;
  const int log_rounds = static_cast<int>(std::ceil(std::log2(nodes)));
  for (const std::vector<int>& bad :
       {std::vector<int>{4711}, std::vector<int>{5, 9999}, std::vector<int>{17, 4242, 8080}}) {
    const SimulationResult r = simulate_validation(nodes, bad, 10, 0.0, 42);
    EXPECT_GE(r.pairing_rounds, 2) << "one round cannot tell a bad node from its partner";
    EXPECT_LE(r.pairing_rounds, 3);
    EXPECT_EQ(r.false_fails, 0);
    EXPECT_EQ(r.bisection_named, bad);
    EXPECT_LE(r.bisection_rounds, log_rounds);
    EXPECT_GE(r.bisection_rounds, log_rounds - 1);
    EXPECT_LE(r.bisection_groups, 2 * static_cast<int>(bad.size()) * log_rounds);
  }
}

TEST(Simulation, FlakyPairsDoNotFailGoodNodes) {
  // 1% of good pairs fail at random; more rounds are needed, but no good node is named.
  const SimulationResult r = simulate_validation(10000, {123, 6000}, 10, 0.01, 3);
  EXPECT_GT(r.pairing_rounds, 0);
  EXPECT_LE(r.pairing_rounds, 6);
  EXPECT_EQ(r.false_fails, 0);
}

}  // namespace
}  // namespace collbench
