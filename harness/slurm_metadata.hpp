#pragma once
// The Slurm job around a run, for the run record: job id, step, node lists, from rank 0's
// environment (the SLURM_* variables srun and sbatch set; mpirun inside an allocation passes
// them on).
#include <nlohmann/json.hpp>

namespace collbench {

// An object of the fields present and well-formed; empty outside Slurm. Values are untrusted:
// numbers must be plain decimal and in range, text printable and at most 4096 characters; a
// field that fails is left out rather than recorded wrong.
nlohmann::json slurm_job_record();

}  // namespace collbench
