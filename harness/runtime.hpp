#pragma once
// The process group the harness coordinates over: who we are, the hosts of the run, and one
// deadline-aware synchronisation that doubles as a small reduction (times and error counts). It is
// the control plane only: backends move data over their own communicators.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "harness/errors.hpp"
#include "harness/progress.hpp"

namespace collbench {

// Combined element-wise over all ranks by sync(): max, min and sum of a few doubles.
struct SyncValues {
  static constexpr int kSlots = 3;
  std::array<double, kSlots> max{};
  std::array<double, kSlots> min{};
  std::array<double, kSlots> sum{};
};

struct HostEntry {
  std::string name;
  int ranks = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;
  const Identity& identity() const { return identity_; }
  int rank() const { return identity_.rank; }
  int size() const { return identity_.size; }
  bool is_root() const { return identity_.rank == 0; }
  ProgressMonitor& progress() { return *progress_; }

  // Waits until every rank has called sync() and returns the combined values on every rank. If
  // that takes longer than the timeout, the root names the ranks that never arrived and the whole
  // run ends with exit code 3: this call does not return then.
  virtual SyncValues sync(const SyncValues& mine, const std::string& what) = 0;
  void barrier(const std::string& what) { sync(SyncValues{}, what); }

  // Hosts in first-rank order with their rank counts; complete on the root (others may be empty).
  const std::vector<HostEntry>& hosts() const { return hosts_; }
  virtual std::string library_version() const = 0;  // "Open MPI v4.1.4, ..." or "none"

  // This rank's index among the ranks of its node, and their number.
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  // One fixed-size record per node: the node's first rank contributes `mine` (cut or padded to
  // `bytes`), the others nothing; the root gets every node's record in node order, the other
  // ranks an empty list. The root receives O(nodes) data, never O(ranks).
  virtual std::vector<std::string> gather_from_nodes(const std::string& mine,
                                                     std::size_t bytes) = 0;
  // Ends every rank of the run with `code`; used after an error has been reported.
  [[noreturn]] virtual void abort(int code) = 0;

 protected:
  explicit Runtime(std::unique_ptr<ProgressMonitor> progress) : progress_(std::move(progress)) {}
  Identity identity_;
  int local_rank_ = 0;
  int local_size_ = 1;
  std::vector<HostEntry> hosts_;
  std::unique_ptr<ProgressMonitor> progress_;
};

// Starts the runtime: MPI when collbench was built with it (a run without mpirun is a singleton),
// otherwise one process. The watchdog starts first, so start-up is covered by the timeout too.
std::unique_ptr<Runtime> start_runtime(int* argc, char*** argv, double timeout_s);

std::string local_hostname();
SyncValues combine(const SyncValues& a, const SyncValues& b);

}  // namespace collbench
