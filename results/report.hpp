#pragma once
// A self-contained HTML report: run metadata, per collective charts (busbw and time against size
// on a log axis, efficiency where a ceiling is known; one line per run and configuration), the
// #wrong status and the tables. Chart.js (Debian's libjs-chart.js) is inlined; every string from
// a results file is escaped.
#include <functional>
#include <string>
#include <vector>

#include "results/reader.hpp"

namespace collbench {

// A section from elsewhere (the history): appends its charts to `charts`, returns its HTML.
using ReportSection = std::function<std::string(nlohmann::json& charts)>;

// Reads Chart.js from `chartjs_path`; throws UsageError if it is missing.
std::string make_report_html(const std::vector<RunFile>& runs, const std::string& chartjs_path,
                             const ReportSection& extra = {});

std::string html_escape(const std::string& text);
// JSON for embedding inside <script>: no '<' survives, so no "</script>" can end the block early.
std::string json_for_script(const nlohmann::json& value);

}  // namespace collbench
