#pragma once
// The report's section for `collbench validate` runs: per run, every node's verdict and the
// evidence behind each FAIL and WARN (from the "verdict" records).
#include <string>
#include <vector>

#include "results/reader.hpp"

namespace collbench {

// A verdict's measured or expected value as text: "-" for none, strings as they are, integers
// whole, other numbers to 4 significant digits. The validate table and the report share it.
std::string verdict_value_text(const nlohmann::json& value);

// HTML for the validation section, or "" when no run holds verdicts.
std::string validation_section_html(const std::vector<RunFile>& runs);

}  // namespace collbench
