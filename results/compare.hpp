#pragma once
// Compares a current run with a baseline, row by row. A row is `worse` only when it is slower by
// more than the threshold AND the current run's fastest sample is slower than the baseline's
// slowest: a change inside the samples' spread is noise, reported as `same`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/reader.hpp"

namespace collbench {

enum class Change { kBetter, kSame, kWorse };
const char* change_name(Change change);

struct ComparedRow {
  ResultRow baseline;
  ResultRow current;
  double busbw_ratio = 1;  // current / baseline
  double time_ratio = 1;   // current / baseline
  Change change = Change::kSame;
  std::string why;  // for worse rows: "slower beyond the spread", "wrong data", ...
};

struct CollectiveSummary {
  std::string collective;
  int rows = 0, better = 0, same = 0, worse = 0;
  double geomean_busbw_ratio = 1;
};

struct Comparison {
  std::vector<ComparedRow> rows;
  std::vector<CollectiveSummary> summaries;
  int unmatched_baseline = 0;
  int unmatched_current = 0;
  bool regressed() const;
};

// The matching rule: each configuration (config_key: collective, backend, dtype, op, placement,
// ranks, bytes) is judged once per file, over the samples of all its rows. Rows that share a key
// (the cycles of `-N`, sizes that round to the same bytes) are pooled: their samples joined, the
// median taken again, min and max over all, #wrong summed. A file with more than one run record is
// refused, since two runs' rows would be pooled silently.
std::vector<ResultRow> pool_by_configuration(const std::vector<ResultRow>& rows);

// Throws UsageError when nothing matches (saying what each side holds).
Comparison compare_runs(const RunFile& baseline, const RunFile& current, double threshold_pct);

Change judge(const ResultRow& baseline, const ResultRow& current, double threshold_pct,
             std::string* why);

std::string format_comparison_text(const Comparison& c, bool markdown);
nlohmann::json comparison_to_json(const Comparison& c);

}  // namespace collbench
