#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "runtime/mpi_runtime_env.hpp"
#include "runtime/runtime.hpp"

namespace collbench {

std::string local_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"}) {
    if (const char* value = std::getenv(name)) return std::atoi(value);
  }
  return -1;
}

int launcher_size() {
  for (const char* name :
       {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS", "SLURM_NPROCS"}) {
    if (const char* value = std::getenv(name)) return std::atoi(value);
  }
  return -1;
}

bool is_nonzero_rank_of_running_job() {
  const int rank = launcher_rank();
  return rank > 0 && rank < launcher_size();
}

SyncValues combine(const SyncValues& a, const SyncValues& b) {
  SyncValues out;
  for (int i = 0; i < SyncValues::kSlots; ++i) {
    out.max[i] = std::max(a.max[i], b.max[i]);
    out.min[i] = std::min(a.min[i], b.min[i]);
    out.sum[i] = a.sum[i] + b.sum[i];
  }
  return out;
}

}  // namespace collbench
