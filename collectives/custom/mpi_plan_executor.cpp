#include "collectives/custom/mpi_plan_executor.hpp"

#include "runtime/mpi_check.hpp"

namespace collbench {
namespace {

constexpr int kTagBase = 4000;

int step_tag(std::size_t step) {
  return kTagBase + static_cast<int>(step % 1000);
}

}  // namespace

void MpiPlanExecutor::run(MPI_Comm comm, const std::vector<RankStep>& plan,
                          const ChunkAccess& access) {
  for (std::size_t step = 0; step < plan.size(); ++step) {
    const RankStep& mine = plan[step];
    if (mine.sends.empty() && mine.receives.empty()) continue;
    requests_.clear();
    if (incoming_.size() < mine.receives.size()) incoming_.resize(mine.receives.size());
    if (outgoing_.size() < mine.sends.size()) outgoing_.resize(mine.sends.size());
    for (std::size_t i = 0; i < mine.receives.size(); ++i) {
      std::vector<char>& buffer = incoming_[i];
      buffer.resize(message_bytes(mine.receives[i], access));
      requests_.emplace_back();
      CB_MPI(MPI_Irecv(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE,
                       mine.receives[i].peer, step_tag(step), comm, &requests_.back()),
             who_);
    }
    for (std::size_t i = 0; i < mine.sends.size(); ++i) {
      const std::span<const char> message = pack_message(mine.sends[i], access, outgoing_[i]);
      requests_.emplace_back();
      CB_MPI(MPI_Isend(message.data(), static_cast<int>(message.size()), MPI_BYTE,
                       mine.sends[i].peer, step_tag(step), comm, &requests_.back()),
             who_);
    }
    CB_MPI(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE),
           who_);
    for (std::size_t i = 0; i < mine.receives.size(); ++i) {
      unpack_message(mine.receives[i], access, incoming_[i].data());
    }
  }
}

}  // namespace collbench
