#pragma once
// The process group the harness coordinates over: who we are, the hosts of the run, and one
// deadline-aware synchronisation that doubles as a small reduction (times and error counts). It is
// the control plane only: backends move data over their own communicators.
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "runtime/progress.hpp"

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
  // This rank's node among the run's nodes (numbered in first-rank order), and their number.
  int node_index() const { return node_index_; }
  int node_count() const { return node_count_; }
  // One fixed-size record per node: the node's first rank contributes `mine` (cut or padded to
  // `bytes`), the others nothing; the root gets every node's record in node order, the other
  // ranks an empty list. The root receives O(nodes) data, never O(ranks).
  virtual std::vector<std::string> gather_from_nodes(const std::string& mine,
                                                     std::size_t bytes) = 0;
  // Ends every rank of the run with `code`; used after an error has been reported.
  [[noreturn]] virtual void abort(int code) = 0;

  // Part of the job as a runtime of its own, for phases that run collectives on some ranks only
  // (`collbench validate`: per node, per pair, per half of the fleet). Every rank of this runtime
  // calls it; ranks passing the same `color` form one group, ordered by `key`; a rank passing
  // kNoGroup gets nullptr. Groups share this runtime's watchdog; a timeout in a group ends the job.
  static constexpr int kNoGroup = -1;
  virtual std::unique_ptr<Runtime> split(int color, int key, const std::string& what) = 0;
  // Every rank's string, any length: the root gets them in rank order, the others an empty list.
  // For results of a phase, gathered once per phase from a few ranks (node leaders).
  virtual std::vector<std::string> gather_strings(const std::string& mine,
                                                  const std::string& what) = 0;
  // The root's `text` on every rank (e.g. node names once per run, O(nodes) bytes).
  virtual void broadcast_string(std::string& text, const std::string& what) = 0;
  // This rank in the whole job, whatever group this runtime is.
  int job_rank() const { return job_rank_; }
  // Names job ranks in timeout messages ("5 (node3/v2)"); by default the bare number.
  void set_rank_namer(std::function<std::string(int job_rank)> namer) {
    rank_namer_ = std::make_shared<std::function<std::string(int)>>(std::move(namer));
  }

 protected:
  explicit Runtime(std::shared_ptr<ProgressMonitor> progress) : progress_(std::move(progress)) {}
  std::string name_job_rank(int job_rank) const {
    return rank_namer_ && *rank_namer_ ? (*rank_namer_)(job_rank) : std::to_string(job_rank);
  }
  Identity identity_;
  int job_rank_ = 0;
  std::shared_ptr<std::function<std::string(int)>> rank_namer_;
  int local_rank_ = 0;
  int local_size_ = 1;
  int node_index_ = 0;
  int node_count_ = 1;
  std::vector<HostEntry> hosts_;
  std::shared_ptr<ProgressMonitor> progress_;
};

// Starts the runtime: MPI when collbench was built with it (a run without mpirun is a singleton),
// otherwise one process. The watchdog starts first, so start-up is covered by the timeout too.
std::unique_ptr<Runtime> start_runtime(int* argc, char*** argv, double timeout_s);

std::string local_hostname();
SyncValues combine(const SyncValues& a, const SyncValues& b);

}  // namespace collbench
