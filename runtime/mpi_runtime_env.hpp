#pragma once
namespace collbench {
// The rank the launcher (mpirun, srun) gave this process, read from its environment before MPI
// starts; -1 when not launched by one.
int launcher_rank();
}  // namespace collbench
