#pragma once
// Runs one rank's plan (step_plan.hpp) over MPI point-to-point: per step one message per peer
// each way, all posted at once, then the arrivals are delivered. Sends read the chunks before any
// arrival of the step is applied, as the schedule checker assumes.
#include <mpi.h>

#include <vector>

#include "collectives/custom/step_plan.hpp"
#include "core/errors.hpp"

namespace collbench {

class MpiPlanExecutor {
 public:
  explicit MpiPlanExecutor(const Identity& who) : who_(who) {}
  void run(MPI_Comm comm, const std::vector<RankStep>& plan, const ChunkAccess& access);

 private:
  const Identity& who_;
  // Message buffers, kept between calls so steady-state iterations do not allocate.
  std::vector<std::vector<char>> incoming_, outgoing_;
  std::vector<MPI_Request> requests_;
};

}  // namespace collbench
