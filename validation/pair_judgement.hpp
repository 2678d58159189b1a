#pragma once
// PASS / WARN / FAIL, and how pair results become node judgements (verdicts.hpp turns them and
// every other probe into verdict records).
//
// A failed pair says only that one of two nodes (or the link between them) is bad. A node is
// judged by its results across different partners: it FAILs when it failed with at least two
// partners and in more than half of its pairs. Nodes are judged worst first, and a failure with a
// partner already judged FAIL is explained by that partner, so a good node that met a bad one
// passes. Failures nothing explains leave a WARN (e.g. two nodes that only met each other).
#include <string>
#include <vector>

namespace collbench {

enum class Status { kPass = 0, kWarn = 1, kFail = 2 };
const char* status_name(Status status);  // "PASS", "WARN", "FAIL"
inline Status worse(Status a, Status b) {
  return static_cast<int>(a) > static_cast<int>(b) ? a : b;
}

struct PairOutcome {
  int a = 0;
  int b = 0;
  bool failed = false;
};

struct NodeJudgement {
  Status status = Status::kPass;
  int pairs = 0;
  int failures = 0;
  int unexplained = 0;               // failures whose partner is not judged FAIL
  std::vector<int> failed_partners;  // distinct, sorted
};

std::vector<NodeJudgement> judge_pairs(int nodes, const std::vector<PairOutcome>& outcomes);

}  // namespace collbench
