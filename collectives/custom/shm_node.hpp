#pragma once
// Shared memory among the ranks of one node, for collbench's own collectives: the benchmark's
// buffers are allocated in MPI-3 shared windows (as NCCL users register theirs), so a rank reads
// and writes its peers' buffers directly, and ranks synchronise through counters in a shared
// control window instead of MPI barriers.
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "collectives/memory.hpp"
#include "core/errors.hpp"

namespace collbench {

class ShmNode {
 public:
  // `timeout_s`: how long a wait for a peer may take (-T; 0: no limit). `ranks_on_host`: ranks
  // sharing this host's CPUs (more than the node's with virtual nodes);
  // more of them than CPUs makes waits yield at once.
  ShmNode(MPI_Comm node_comm, const Identity& who, double timeout_s, int ranks_on_host);
  ~ShmNode();
  ShmNode(const ShmNode&) = delete;
  ShmNode& operator=(const ShmNode&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  std::size_t windows() const { return windows_.size(); }  // buffer windows held, used or free

  // A buffer inside a shared window (collective over the node: every rank allocates and frees
  // in the same order). Freed buffers' windows are reused or freed by later allocations.
  Buffer allocate(std::size_t bytes);
  // Called by a buffer's deleter: its window may be reused (not collective).
  void give_back(const void* data);
  // The address in `peer`'s buffer that corresponds to `mine` in this rank's (same window, same
  // offset); `mine` must lie inside a buffer from allocate().
  void* peer_address(const void* mine, int peer);
  // Every rank of the node has reached this call (counters with release/acquire ordering); a
  // wait beyond the timeout throws RuntimeFailure naming the missing rank.
  void barrier();
  // Point-to-point progress between barriers: publish() tells the node this rank finished one
  // more piece of work; wait_for(peer, n) returns once `peer` has published n pieces since the
  // last barrier (every rank publishes the same number per operation, so counts stay aligned).
  void publish();
  void wait_for(int peer, uint64_t pieces);

 private:
  struct Window {
    MPI_Win win;
    char* base;
    std::size_t bytes;
    std::vector<char*> peers;
    bool in_use;
  };
  Window new_window(std::size_t bytes);
  void release_free_windows();
  MPI_Comm comm_;
  const Identity& who_;
  double timeout_s_;
  int rank_ = 0, size_ = 1;
  std::vector<Window> windows_;
  MPI_Win control_win_ = MPI_WIN_NULL;
  // This rank's barrier counter and progress counter, each alone on its cache line.
  uint64_t* counters_ = nullptr;
  std::vector<uint64_t*> peer_counters_;
  uint64_t epoch_ = 0;
  uint64_t spins_before_yield_ = 0;
  uint64_t published_ = 0;       // pieces this rank has published in total
  uint64_t published_base_ = 0;  // ... at the last barrier (the same on every rank)
  void wait_until(int peer, std::size_t slot, uint64_t value, const char* what);
  // What buffers' deleters hold to reach this node; cleared when the node goes.
  std::shared_ptr<ShmNode*> self_ = std::make_shared<ShmNode*>(this);
};

// Host memory backed by a ShmNode.
std::unique_ptr<Memory> make_shm_memory(ShmNode& node);

}  // namespace collbench
