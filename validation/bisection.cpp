#include "validation/bisection.hpp"

#include <algorithm>

namespace collbench {

Bisection::Bisection(std::vector<int> failing) {
  std::sort(failing.begin(), failing.end());
  if (failing.size() == 1) {
    culprits_ = failing;
  } else if (!failing.empty()) {
    pending_.push_back(std::move(failing));
  }
}

const std::vector<std::vector<int>>& Bisection::next_round() {
  round_.clear();
  for (const std::vector<int>& set : pending_) {
    const auto middle = set.begin() + static_cast<std::ptrdiff_t>(set.size() / 2);
    round_.emplace_back(set.begin(), middle);
    round_.emplace_back(middle, set.end());
  }
  return round_;
}

void Bisection::report(const std::vector<bool>& failed) {
  ++rounds_;
  std::vector<std::vector<int>> next;
  for (std::size_t i = 0; i + 1 < round_.size(); i += 2) {  // halves come in twos
    const bool first = i < failed.size() && failed[i];
    const bool second = i + 1 < failed.size() && failed[i + 1];
    if (!first && !second) {
      std::vector<int> whole = round_[i];
      whole.insert(whole.end(), round_[i + 1].begin(), round_[i + 1].end());
      unresolved_.push_back(std::move(whole));
    }
    for (std::size_t h : {i, i + 1}) {
      if (!(h == i ? first : second)) continue;
      if (round_[h].size() == 1) {
        culprits_.push_back(round_[h].front());
      } else {
        next.push_back(round_[h]);
      }
    }
  }
  std::sort(culprits_.begin(), culprits_.end());
  pending_ = std::move(next);
  round_.clear();
}

}  // namespace collbench
