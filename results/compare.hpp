#pragma once
// Compares a current run with a baseline, row by row, by the one judging rule of
// results/judging.hpp (also `history check`'s): a row is `worse` only when its median time is
// beyond the baseline's by more than max(threshold, K robust standard deviations of the samples)
// and at least 90 % of the pairs of samples agree, so noise is `same` while a real 10 % drop with
// tight samples is caught. Rows can be matched ignoring chosen keys (backend, ranks), so "system A
// vs system B" and "NCCL vs custom" are one command.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/judging.hpp"
#include "results/reader.hpp"

namespace collbench {

// What may differ between matched rows: `compare --ignore backend,ranks,host`.
struct MatchKeys {
  bool backend = true;
  bool ranks = true;
};
// Parses "backend,ranks,host" (host: accepted; hosts are never part of a row's key). Throws
// UsageError naming an unknown key.
MatchKeys parse_ignored_keys(const std::string& list);
std::string match_key(const ResultRow& row, const MatchKeys& keys);

struct CompareOptions {
  JudgeRule rule;
  MatchKeys keys;
};

struct ComparedRow {
  ResultRow baseline;
  ResultRow current;
  double busbw_ratio = 1;  // current / baseline
  double time_ratio = 1;   // current / baseline
  Change change = Change::kSame;
  std::string why;  // for worse rows: "slower by 12% (band 5%, 100% of sample pairs)", ...
  Judgement judgement;
};

struct CollectiveSummary {
  std::string collective;
  int rows = 0, better = 0, same = 0, worse = 0;
  int inconclusive = 0;  // unstable samples on either side: not judged
  double geomean_busbw_ratio = 1;
};

struct Comparison {
  std::vector<ComparedRow> rows;
  std::vector<CollectiveSummary> summaries;
  int unmatched_baseline = 0;
  int unmatched_current = 0;
  std::vector<std::string> unmatched_baseline_rows;  // labels of the rows without a partner
  std::vector<std::string> unmatched_current_rows;
  std::string baseline_label, current_label;  // file, backend, ranks, hosts
  std::string ignored;                        // "backend, ranks" when matching ignored keys
  JudgeRule rule;
  bool regressed() const;
};

// The matching rule: each configuration (match_key: collective, backend, dtype, op, placement,
// ranks, bytes) is judged once per file, over the samples of all its rows. Rows that share a key
// (the cycles of `-N`, sizes that round to the same bytes) are pooled: their samples joined, the
// median taken again, min and max over all, #wrong summed. A file with more than one run record is
// refused, since two runs' rows would be pooled silently.
std::vector<ResultRow> pool_by_configuration(const std::vector<ResultRow>& rows,
                                             const MatchKeys& keys = {});

// Throws UsageError when nothing matches (saying what each side holds).
Comparison compare_runs(const RunFile& baseline, const RunFile& current,
                        const CompareOptions& options);
Comparison compare_runs(const RunFile& baseline, const RunFile& current, double threshold_pct);

// The samples a row is judged by: its timed samples, or {min, median, max} for records that
// carry only those.
std::vector<double> judged_samples(const ResultRow& row);
Change judge(const ResultRow& baseline, const ResultRow& current, const JudgeRule& rule,
             std::string* why, Judgement* details = nullptr);

std::string format_comparison_text(const Comparison& c, bool markdown);
nlohmann::json comparison_to_json(const Comparison& c);

}  // namespace collbench
