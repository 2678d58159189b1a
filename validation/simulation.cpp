#include "validation/simulation.hpp"

#include <algorithm>
#include <random>

#include "validation/bisection.hpp"
#include "validation/pair_judgement.hpp"
#include "validation/pairing.hpp"

namespace collbench {

SimulationResult simulate_validation(int nodes, const std::vector<int>& bad, int max_pair_rounds,
                                     double noise, uint64_t seed) {
  SimulationResult result;
  std::vector<bool> is_bad(static_cast<std::size_t>(nodes), false);
  for (int b : bad) is_bad[static_cast<std::size_t>(b)] = true;
  std::mt19937_64 random(seed ^ 0x5eed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);

  // Pairing: one random round at a time, judged after each.
  std::vector<PairOutcome> outcomes;
  const std::vector<PairRound> rounds = random_pair_rounds(nodes, max_pair_rounds, seed);
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    for (auto [a, b] : rounds[r]) {
      const bool failed = is_bad[static_cast<std::size_t>(a)] ||
                          is_bad[static_cast<std::size_t>(b)] || uniform(random) < noise;
      outcomes.push_back({a, b, failed});
    }
    const std::vector<NodeJudgement> judged = judge_pairs(nodes, outcomes);
    int correct = 0;
    int wrong = 0;
    for (int n = 0; n < nodes; ++n) {
      const bool fail = judged[static_cast<std::size_t>(n)].status == Status::kFail;
      if (fail && is_bad[static_cast<std::size_t>(n)]) ++correct;
      if (fail && !is_bad[static_cast<std::size_t>(n)]) ++wrong;
    }
    result.false_fails = wrong;
    if (correct == static_cast<int>(bad.size()) && wrong == 0) {
      result.pairing_rounds = static_cast<int>(r) + 1;
      break;
    }
  }

  // Bisection of the whole fleet (which fails when any node is bad).
  std::vector<int> everyone(static_cast<std::size_t>(nodes));
  for (int n = 0; n < nodes; ++n) everyone[static_cast<std::size_t>(n)] = n;
  Bisection bisection(bad.empty() ? std::vector<int>{} : everyone);
  while (!bisection.done()) {
    const std::vector<std::vector<int>> groups = bisection.next_round();
    std::vector<bool> failed;
    for (const std::vector<int>& group : groups) {
      failed.push_back(std::any_of(group.begin(), group.end(),
                                   [&](int n) { return is_bad[static_cast<std::size_t>(n)]; }));
    }
    result.bisection_groups += static_cast<int>(groups.size());
    bisection.report(failed);
  }
  result.bisection_rounds = bisection.rounds();
  result.bisection_named = bisection.culprits();
  return result;
}

}  // namespace collbench
