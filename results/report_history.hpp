#pragma once
// The report's history section (`collbench report --history DB`): busbw over time for chosen
// rows of the run history, each point judged by the band rule of `history check` against the
// runs before it, regressions marked on the chart and in the table.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/history.hpp"

namespace collbench {

// A chosen row: a collective, at one size or (nullopt) at the largest size it has in the history.
struct HistoryRowChoice {
  std::string collective;
  std::optional<int64_t> bytes;
};

struct HistoryReportOptions {
  std::vector<HistoryRowChoice> rows;  // empty: every collective at its largest size
  int last = 30;                       // points per line, and the depth each is judged against
  double mad_factor = 3, threshold_pct = 5;
};

// The HTML of the section; appends its charts (x: run start in seconds since the epoch, series
// with `marks` on regressions) to `charts`. Throws UsageError when a chosen row is not stored.
std::string history_section_html(const HistoryDb& db, const HistoryReportOptions& options,
                                 nlohmann::json& charts);

}  // namespace collbench
