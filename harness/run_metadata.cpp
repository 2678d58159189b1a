#include "harness/run_metadata.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>

#include "core/version.hpp"
#include "harness/measure.hpp"
#include "harness/slurm_metadata.hpp"
#include "results/record.hpp"

extern char** environ;

namespace collbench {

std::string utc_timestamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

nlohmann::json captured_environment() {
  std::map<std::string, std::string> kept;  // sorted, so identical runs give identical records
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = text.substr(0, eq);
    if (name.starts_with("NCCL_") || name.starts_with("OMPI_") || name.starts_with("UCX_") ||
        name == "CUDA_VISIBLE_DEVICES") {
      kept[name] = text.substr(eq + 1);
    }
  }
  return kept;
}

// 128 random bits as hex: the run's identity in the history (results/history.hpp).
std::string new_run_id() {
  std::random_device random;
  std::string id;
  char part[9];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(random()));
    id += part;
  }
  return id;
}

nlohmann::json make_run_record(const RunOptions& options, const Runtime& runtime,
                               const Backend& backend) {
  nlohmann::json hosts = nlohmann::json::array();
  for (const HostEntry& host : runtime.hosts()) {
    hosts.push_back({{"name", host.name}, {"ranks", host.ranks}});
  }
  const std::string step = options.sweep.step_factor > 1
                               ? std::to_string(options.sweep.step_factor) + "(factor)"
                               : std::to_string(options.sweep.step_bytes) + "(bytes)";
  nlohmann::json record = {
      {"type", "run"},
      {"schema_version", kSchemaVersion},
      {"collbench_version", kVersion},
      {"git_revision", kGitRevision},
      {"timestamp", utc_timestamp()},
      {"run_id", new_run_id()},
      {"command_line", options.command_line},
      {"backend", std::string(backend.name())},
      {"memory", std::string(memory_kind_name(options.backend_config.memory))},
      {"nranks", runtime.size() * backend.local_ranks()},
      {"processes", runtime.size()},
      {"hosts", hosts},
      {"mpi_library", runtime.library_version()},
      {"env", captured_environment()},
      {"settings",
       {{"min_bytes", options.sweep.min_bytes},
        {"max_bytes", options.sweep.max_bytes},
        {"step", step},
        {"iters", options.iters},
        {"warmup_iters", options.warmup_iters},
        {"agg_iters", options.agg_iters},
        {"repeat", options.repeat},
        {"run_cycles", options.run_cycles},
        {"timing", timing_rule_name(options.timing)},
        {"check", options.check},
        {"blocking", options.blocking},
        {"cudagraph", options.cudagraph},
        {"timeout_s", options.timeout_s}}},
      {"libraries", nlohmann::json::object()},
  };
  if (nlohmann::json slurm = slurm_job_record(); !slurm.empty()) record["slurm"] = std::move(slurm);
  if (nlohmann::json skipped = skipped_placements(options, backend); !skipped.empty()) {
    record["skipped_placements"] = std::move(skipped);
  }
  backend.describe(record);
  return record;
}

}  // namespace collbench
