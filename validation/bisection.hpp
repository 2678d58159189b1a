#pragma once
// Finding the culprits when the whole fleet falls short: split every failing set of nodes in two
// halves and test all halves of a round at once (disjoint groups run side by side), recurse into
// the halves that fail. With b bad nodes among n it names them in ceil(log2 n) rounds of at most
// 2b groups each. A set that fails while both its halves pass holds a fault that needs both
// halves (a link or switch between them); it is reported as such, not blamed on a node.
#include <vector>

namespace collbench {

class Bisection {
 public:
  // `failing`: the nodes of a group that failed (e.g. the whole fleet).
  explicit Bisection(std::vector<int> failing);

  bool done() const { return pending_.empty(); }
  // The groups to test this round, each a sorted list of node indices. Call once per round.
  const std::vector<std::vector<int>>& next_round();
  // Whether each group of the round failed, in next_round()'s order.
  void report(const std::vector<bool>& failed);

  int rounds() const { return rounds_; }
  const std::vector<int>& culprits() const { return culprits_; }
  // Sets that failed with both halves passing.
  const std::vector<std::vector<int>>& unresolved() const { return unresolved_; }

 private:
  std::vector<std::vector<int>> pending_;  // failing sets still to split
  std::vector<std::vector<int>> round_;    // the halves under test
  std::vector<int> culprits_;
  std::vector<std::vector<int>> unresolved_;
  int rounds_ = 0;
};

}  // namespace collbench
