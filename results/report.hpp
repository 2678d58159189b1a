#pragma once
// A self-contained HTML report: run metadata, per collective charts (busbw and time against size
// on a log axis, efficiency where a ceiling is known; one line per run and configuration), the
// #wrong status and the tables. Chart.js (Debian's libjs-chart.js) is inlined; every string from
// a results file is escaped.
#include <string>
#include <vector>

#include "results/reader.hpp"

namespace collbench {

// Reads Chart.js from `chartjs_path`; throws UsageError if it is missing.
std::string make_report_html(const std::vector<RunFile>& runs, const std::string& chartjs_path);

std::string html_escape(const std::string& text);
// JSON for embedding inside <script>: no '<' survives, so no "</script>" can end the block early.
std::string json_for_script(const nlohmann::json& value);

}  // namespace collbench
