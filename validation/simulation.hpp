#pragma once
// The pairing and bisection schedules run on synthetic measurements, to show how many rounds
// they need to name the bad nodes of a large fleet (docs/validation.md, bench/, tests). A group
// of nodes fails when it holds a bad node; with `noise` > 0 a pair of good nodes also fails with
// that probability (a flaky measurement), which the judgement must survive.
#include <cstdint>
#include <vector>

namespace collbench {

struct SimulationResult {
  int pairing_rounds = -1;   // rounds until the FAIL set equals the bad set (-1: not reached)
  int false_fails = 0;       // good nodes judged FAIL after the last pairing round
  int bisection_rounds = 0;  // rounds of the whole-fleet bisection
  int bisection_groups = 0;  // groups tested over all bisection rounds
  std::vector<int> bisection_named;
};

SimulationResult simulate_validation(int nodes, const std::vector<int>& bad, int max_pair_rounds,
                                     double noise, uint64_t seed);

}  // namespace collbench
