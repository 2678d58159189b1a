#include "validation/pairing.hpp"

#include <algorithm>
#include <numeric>
#include <random>

namespace collbench {

std::vector<PairRound> round_robin_rounds(int nodes) {
  std::vector<PairRound> rounds;
  if (nodes < 2) return rounds;
  // With an odd count a phantom node joins; whoever meets it has a bye that round.
  const int players = nodes % 2 ? nodes + 1 : nodes;
  std::vector<int> circle(static_cast<std::size_t>(players));
  std::iota(circle.begin(), circle.end(), 0);
  for (int r = 0; r < players - 1; ++r) {
    PairRound round;
    for (int i = 0; i < players / 2; ++i) {
      int a = circle[static_cast<std::size_t>(i)];
      int b = circle[static_cast<std::size_t>(players - 1 - i)];
      if (a >= nodes || b >= nodes) continue;
      round.emplace_back(std::min(a, b), std::max(a, b));
    }
    rounds.push_back(std::move(round));
    std::rotate(circle.begin() + 1, circle.end() - 1, circle.end());
  }
  return rounds;
}

std::vector<PairRound> random_pair_rounds(int nodes, int rounds, uint64_t seed) {
  std::vector<PairRound> out;
  std::mt19937_64 random(seed);
  std::vector<int> order(static_cast<std::size_t>(std::max(nodes, 0)));
  for (int r = 0; r < rounds && nodes >= 2; ++r) {
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), random);
    PairRound round;
    for (std::size_t i = 0; i + 1 < order.size(); i += 2) {
      round.emplace_back(std::min(order[i], order[i + 1]), std::max(order[i], order[i + 1]));
    }
    out.push_back(std::move(round));
  }
  return out;
}

std::vector<PairRound> pairing_schedule(int nodes, int max_round_robin_nodes, int random_rounds,
                                        uint64_t seed) {
  if (nodes <= max_round_robin_nodes) return round_robin_rounds(nodes);
  return random_pair_rounds(nodes, random_rounds, seed);
}

}  // namespace collbench
