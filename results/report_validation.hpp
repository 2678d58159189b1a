#pragma once
// The report's section for `collbench validate` runs: per run, every node's verdict and the
// evidence behind each FAIL and WARN (from the "verdict" records).
#include <string>
#include <vector>

#include "results/reader.hpp"

namespace collbench {

// HTML for the validation section, or "" when no run holds verdicts.
std::string validation_section_html(const std::vector<RunFile>& runs);

}  // namespace collbench
