#pragma once
namespace collbench {
// The rank the launcher (mpirun, srun) gave this process, read from its environment before MPI
// starts; -1 when not launched by one.
int launcher_rank();
// The number of processes the launcher started (OMPI_COMM_WORLD_SIZE, PMI_SIZE, SLURM_NTASKS, ...);
// -1 when not launched by one.
int launcher_size();
// True for a process that is rank 1 or above of a job the launcher runs now: a rank variable
// alone (left in the environment of a job step, or set by hand) is not enough, the job's size
// must say the rank exists.
bool is_nonzero_rank_of_running_job();
}  // namespace collbench
