#pragma once
// The parts of the HTML report that compare runs: the one-table summary on top (per collective and
// run: peak busbw, latency at the smallest size (8 B in a default sweep), and both as ratios to the
// first run) and the busbw-ratio series per collective (every later run against the first, at the
// sizes and configurations both measured).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "results/reader.hpp"

namespace collbench {

std::string summary_table_html(const std::vector<RunFile>& runs);

// Series for one collective's ratio chart ({label, points: [{x: bytes, y: ratio}]}); empty with
// fewer than two runs holding it or nothing in common.
nlohmann::json busbw_ratio_series(const std::vector<RunFile>& runs, const std::string& collective);

}  // namespace collbench
