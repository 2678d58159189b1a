#pragma once
#include <mpi.h>

#include <string_view>

#include "runtime/runtime.hpp"

namespace collbench {

class MpiRuntime final : public Runtime {
 public:
  MpiRuntime(int* argc, char*** argv, double timeout_s);
  ~MpiRuntime() override;
  SyncValues sync(const SyncValues& mine, const std::string& what) override;
  std::string library_version() const override;
  std::vector<std::string> gather_from_nodes(const std::string& mine, std::size_t bytes) override;
  [[noreturn]] void abort(int code) override;
  std::unique_ptr<Runtime> split(int color, int key, const std::string& what) override;
  std::vector<std::string> gather_strings(const std::string& mine,
                                          const std::string& what) override;
  void broadcast_string(std::string& text, const std::string& what) override;

  // A fresh duplicate of this runtime's ranks (MPI_COMM_WORLD, or the group's communicator) for a
  // backend's data traffic, errors returned.
  MPI_Comm duplicate_world() const;

 private:
  // A group of the parent's ranks over `group` (owned from here on).
  MpiRuntime(const MpiRuntime& parent, MPI_Comm group);
  void set_up(MPI_Comm world);
  void gather_hosts();
  [[noreturn]] void report_timeout(const std::string& what, const std::vector<int>& missing);

  MPI_Comm world_ = MPI_COMM_NULL;    // MPI_COMM_WORLD, or this group's ranks (owned)
  MPI_Comm control_ = MPI_COMM_NULL;  // harness synchronisation only
  MPI_Comm node_ = MPI_COMM_NULL;     // the ranks of this node
  MPI_Comm leaders_ = MPI_COMM_NULL;  // each node's first rank (null elsewhere)
  double timeout_s_;
};

// The MPI runtime under `runtime`, for the backends built on MPI (their one way to MPI); throws
// UsageError naming `backend` when the run has another runtime.
MpiRuntime& require_mpi_runtime(Runtime& runtime, std::string_view backend);

}  // namespace collbench
