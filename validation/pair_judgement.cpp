#include "validation/pair_judgement.hpp"

#include <algorithm>
#include <tuple>

namespace collbench {

const char* status_name(Status status) {
  switch (status) {
    case Status::kPass:
      return "PASS";
    case Status::kWarn:
      return "WARN";
    case Status::kFail:
      return "FAIL";
  }
  return "FAIL";
}

std::vector<NodeJudgement> judge_pairs(int nodes, const std::vector<PairOutcome>& outcomes) {
  const auto n = static_cast<std::size_t>(std::max(nodes, 0));
  std::vector<NodeJudgement> judged(n);
  // Each node's meetings: (partner, failed).
  std::vector<std::vector<std::pair<int, bool>>> met(n);
  for (const PairOutcome& o : outcomes) {
    met[static_cast<std::size_t>(o.a)].emplace_back(o.b, o.failed);
    met[static_cast<std::size_t>(o.b)].emplace_back(o.a, o.failed);
  }
  auto is_fail = [&](int node) {
    return judged[static_cast<std::size_t>(node)].status == Status::kFail;
  };
  // Distinct partners among `meetings` that failed, skipping partners already judged FAIL when
  // `explained_by_fail`; returns (failures, considered pairs, distinct failing partners).
  auto count = [&](const std::vector<std::pair<int, bool>>& meetings, bool explained_by_fail) {
    int failures = 0;
    int considered = 0;
    std::vector<int> partners;
    for (auto [partner, failed] : meetings) {
      if (explained_by_fail && is_fail(partner)) continue;
      ++considered;
      if (!failed) continue;
      ++failures;
      partners.push_back(partner);
    }
    std::sort(partners.begin(), partners.end());
    partners.erase(std::unique(partners.begin(), partners.end()), partners.end());
    return std::tuple{failures, considered, partners};
  };
  for (std::size_t node = 0; node < n; ++node) {
    auto [failures, pairs, partners] = count(met[node], false);
    judged[node].pairs = pairs;
    judged[node].failures = failures;
    judged[node].failed_partners = partners;
  }
  // Worst first: each pass marks the nodes with the highest share of unexplained failures, then
  // the failures those nodes explain no longer count against their partners.
  std::vector<double> ratio(n);
  for (;;) {
    double worst = 0;
    for (std::size_t node = 0; node < n; ++node) {
      ratio[node] = 0;
      if (is_fail(static_cast<int>(node)) || judged[node].failures == 0) continue;
      auto [failures, considered, partners] = count(met[node], true);
      if (partners.size() >= 2 && 2 * failures > considered) {
        ratio[node] = static_cast<double>(failures) / considered;
        worst = std::max(worst, ratio[node]);
      }
    }
    if (worst == 0) break;
    for (std::size_t node = 0; node < n; ++node) {
      if (ratio[node] == worst) judged[node].status = Status::kFail;
    }
  }
  for (std::size_t node = 0; node < n; ++node) {
    NodeJudgement& j = judged[node];
    auto [unexplained, considered, partners] = count(met[node], true);
    (void)considered;
    (void)partners;
    j.unexplained = is_fail(static_cast<int>(node)) ? 0 : unexplained;
    if (j.status != Status::kFail && j.unexplained > 0) j.status = Status::kWarn;
  }
  return judged;
}

}  // namespace collbench
