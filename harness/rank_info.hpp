#pragma once
// Who ran where, for the run header's per-rank lines (nccl-tests prints one per rank): each
// process's rank, host, pid and CPU binding, gathered to the root in one gather over the control
// plane (no rank does O(ranks) work except the root's final print), and which launcher started
// the job, so a run without one can say that it measured a single process.
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/runtime.hpp"

namespace collbench {

// "mpirun", "srun", "PMIx", "PMI" or "none", from the launcher's environment variables: call it
// before MPI starts (a singleton's MPI_Init sets some of them).
std::string launcher_name();

// On the root: [{"rank", "host", "pid", "cpus"}, ...] in rank order; an empty array elsewhere.
nlohmann::json gather_rank_info(Runtime& runtime, const std::string& cpus);

}  // namespace collbench
