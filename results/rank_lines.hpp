#pragma once
// The run header's launcher note and per-rank lines (nccl-tests' "#  Rank  0 Pid ... on HOST
// device ..." lines), from the run record's `launcher`, `rank_info` and, on GPU runs, `gpus`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace collbench {

// Lines without the leading "# " and without newlines; empty when the record has neither field.
std::vector<std::string> format_rank_lines(const nlohmann::json& run_record);

}  // namespace collbench
