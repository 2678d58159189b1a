// The pairing and bisection schedules of `collbench validate` at fleet scale, on synthetic
// measurements (a group fails when it holds a bad node; optionally, good pairs fail at random).
// Prints the table in docs/validation.md: rounds until the bad nodes are named, per fleet size.
// Usage: validation_simulation [max_pair_rounds=12] [seeds=20]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "validation/simulation.hpp"

int main(int argc, char** argv) {
  const int max_rounds = argc > 1 ? std::atoi(argv[1]) : 12;
  const int seeds = argc > 2 ? std::atoi(argv[2]) : 20;
  std::printf(
      "| nodes | bad | flaky good pairs | pairing rounds (median, max) | good nodes FAILed |"
      " bisection rounds | log2(n) | groups measured |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (int nodes : {100, 1000, 10000}) {
    for (int bad_count : {1, 2, 3}) {
      for (double noise : {0.0, 0.01}) {
        std::vector<int> pair_rounds;
        int false_fails = 0;
        int bisect_max = 0;
        int groups_max = 0;
        for (int seed = 1; seed <= seeds; ++seed) {
          std::mt19937_64 random(static_cast<uint64_t>(seed) * 7919);
          std::vector<int> bad;
          while (static_cast<int>(bad.size()) < bad_count) {
            const int n = static_cast<int>(random() % static_cast<uint64_t>(nodes));
            if (std::find(bad.begin(), bad.end(), n) == bad.end()) bad.push_back(n);
          }
          std::sort(bad.begin(), bad.end());
          const collbench::SimulationResult r = collbench::simulate_validation(
              nodes, bad, max_rounds, noise, static_cast<uint64_t>(seed));
          pair_rounds.push_back(r.pairing_rounds < 0 ? 999 : r.pairing_rounds);
          false_fails += r.false_fails;
          bisect_max = std::max(bisect_max, r.bisection_rounds);
          groups_max = std::max(groups_max, r.bisection_groups);
          if (r.bisection_named != bad)
            std::printf("bisection missed a bad node (seed %d)\n", seed);
        }
        std::sort(pair_rounds.begin(), pair_rounds.end());
        std::printf("| %d | %d | %.0f%% | %d, %d | %d | %d | %.1f | %d |\n", nodes, bad_count,
                    noise * 100, pair_rounds[pair_rounds.size() / 2], pair_rounds.back(),
                    false_fails, bisect_max, std::log2(nodes), groups_max);
      }
    }
  }
  std::printf("\n%d seeds per row; rounds = 999 means not named within %d pairing rounds.\n", seeds,
              max_rounds);
  return 0;
}
