#include "harness/slurm_metadata.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace collbench {
namespace {

enum class Kind { kCount, kText };

struct SlurmField {
  const char* field;     // in the run record's "slurm" object
  const char* variable;  // first choice
  const char* fallback;  // older Slurm spelling, or nullptr
  Kind kind;
};

// Slurm's job and step identity, and where it ran (docs/results-schema.md).
const SlurmField kFields[] = {
    {"job_id", "SLURM_JOB_ID", "SLURM_JOBID", Kind::kCount},
    {"step_id", "SLURM_STEP_ID", "SLURM_STEPID", Kind::kCount},
    {"array_job_id", "SLURM_ARRAY_JOB_ID", nullptr, Kind::kCount},
    {"array_task_id", "SLURM_ARRAY_TASK_ID", nullptr, Kind::kCount},
    {"job_name", "SLURM_JOB_NAME", nullptr, Kind::kText},
    {"cluster", "SLURM_CLUSTER_NAME", nullptr, Kind::kText},
    {"partition", "SLURM_JOB_PARTITION", nullptr, Kind::kText},
    {"node_list", "SLURM_JOB_NODELIST", "SLURM_NODELIST", Kind::kText},
    {"step_node_list", "SLURM_STEP_NODELIST", nullptr, Kind::kText},
    {"nnodes", "SLURM_JOB_NUM_NODES", "SLURM_NNODES", Kind::kCount},
    {"ntasks", "SLURM_NTASKS", "SLURM_NPROCS", Kind::kCount},
    {"step_ntasks", "SLURM_STEP_NUM_TASKS", nullptr, Kind::kCount},
};

const char* lookup(const SlurmField& f) {
  const char* value = std::getenv(f.variable);
  return value || !f.fallback ? value : std::getenv(f.fallback);
}

bool plain_count(const std::string& text, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;  // no overflow below 10^18
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

bool printable(const std::string& text) {
  if (text.empty() || text.size() > 4096) return false;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

nlohmann::json slurm_job_record() {
  nlohmann::json out = nlohmann::json::object();
  for (const SlurmField& f : kFields) {
    const char* raw = lookup(f);
    if (!raw) continue;
    const std::string text(raw);
    int64_t count = 0;
    if (f.kind == Kind::kCount && plain_count(text, count)) out[f.field] = count;
    if (f.kind == Kind::kText && printable(text)) out[f.field] = text;
  }
  // Without a job id the other variables are leftovers, not a job.
  if (!out.contains("job_id")) return nlohmann::json::object();
  return out;
}

}  // namespace collbench
