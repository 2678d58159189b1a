#pragma once
// The "type":"run" record: everything needed to reproduce and compare a run.
#include <nlohmann/json.hpp>

#include "collectives/backend.hpp"
#include "harness/run_options.hpp"
#include "runtime/runtime.hpp"

namespace collbench {

nlohmann::json make_run_record(const RunOptions& options, const Runtime& runtime,
                               const Backend& backend);

// NCCL_*, OMPI_*, UCX_* and CUDA_VISIBLE_DEVICES from this process's environment.
nlohmann::json captured_environment();

std::string utc_timestamp();  // ISO 8601, e.g. 2026-11-22T10:15:00Z

}  // namespace collbench
