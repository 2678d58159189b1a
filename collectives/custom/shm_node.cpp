#include "collectives/custom/shm_node.hpp"

#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "runtime/mpi_check.hpp"

namespace collbench {
namespace {

constexpr std::size_t kLine = 64 / sizeof(uint64_t);  // counters one cache line apart
constexpr std::size_t kBarrierSlot = 0;
constexpr std::size_t kProgressSlot = kLine;
// Waits spin before they yield: a peer on its own core arrives within microseconds, and a rank
// that yields at once loses its core to unrelated processes. When the node has more ranks than
// CPUs, a spinning rank holds the core its peer needs, so it yields almost at once (as Open MPI
// yields when oversubscribed).
constexpr uint64_t kSpinsBeforeYield = 1 << 14;  // tens of microseconds
constexpr uint64_t kSpinsBeforeYieldOversubscribed = 64;

MPI_Info noncontiguous(const Identity& who) {
  MPI_Info info;
  CB_MPI(MPI_Info_create(&info), who);
  CB_MPI(MPI_Info_set(info, "alloc_shared_noncontig", "true"), who);
  return info;
}

class ShmMemory final : public HostPatternMemory {
 public:
  explicit ShmMemory(ShmNode& node) : node_(node) {}
  Buffer allocate(std::size_t bytes, int) override { return node_.allocate(bytes); }

 private:
  ShmNode& node_;
};

}  // namespace

ShmNode::ShmNode(MPI_Comm node_comm, const Identity& who, double timeout_s, int ranks_on_host)
    : comm_(node_comm), who_(who), timeout_s_(timeout_s) {
  CB_MPI(MPI_Comm_rank(comm_, &rank_), who_);
  CB_MPI(MPI_Comm_size(comm_, &size_), who_);
  const unsigned cpus = std::thread::hardware_concurrency();
  spins_before_yield_ = cpus != 0 && static_cast<unsigned>(ranks_on_host) > cpus
                            ? kSpinsBeforeYieldOversubscribed
                            : kSpinsBeforeYield;
  MPI_Info info = noncontiguous(who_);
  CB_MPI(MPI_Win_allocate_shared(static_cast<MPI_Aint>(2 * kLine * sizeof(uint64_t)), 1, info,
                                 comm_, &counters_, &control_win_),
         who_);
  CB_MPI(MPI_Info_free(&info), who_);
  counters_[kBarrierSlot] = 0;
  counters_[kProgressSlot] = 0;
  for (int peer = 0; peer < size_; ++peer) {
    MPI_Aint size = 0;
    int unit = 0;
    uint64_t* theirs = nullptr;
    CB_MPI(MPI_Win_shared_query(control_win_, peer, &size, &unit, &theirs), who_);
    peer_counters_.push_back(theirs);
  }
  CB_MPI(MPI_Barrier(comm_), who_);
}

ShmNode::~ShmNode() {
  *self_ = nullptr;  // buffers that outlive the node no longer give their windows back
  for (Window& w : windows_) MPI_Win_free(&w.win);
  if (control_win_ != MPI_WIN_NULL) MPI_Win_free(&control_win_);
}

// Windows are reused: the harness allocates buffers for every group of a sweep, and a window per
// buffer kept until the end would fill /dev/shm. Freeing a window is collective, so it happens
// only here, where every rank is (the harness allocates and frees in the same order on every
// rank, so every rank has the same free windows and picks the same one), never in a deleter
// that may run while unwinding from an error.
Buffer ShmNode::allocate(std::size_t bytes) {
  const std::size_t want = std::max<std::size_t>(bytes, 64);
  std::size_t best = windows_.size();
  for (std::size_t i = 0; i < windows_.size(); ++i) {
    const Window& w = windows_[i];
    if (!w.in_use && w.bytes >= want &&
        (best == windows_.size() || w.bytes < windows_[best].bytes)) {
      best = i;
    }
  }
  if (best == windows_.size()) {
    release_free_windows();
    windows_.push_back(new_window(want));
    best = windows_.size() - 1;
  }
  windows_[best].in_use = true;
  return Buffer(windows_[best].base, bytes, [self = self_](void* data) {
    if (*self != nullptr) (*self)->give_back(data);
  });
}

void ShmNode::give_back(const void* data) {
  for (Window& w : windows_) {
    if (w.base == data) w.in_use = false;
  }
}

void ShmNode::release_free_windows() {
  std::vector<Window> kept;
  for (Window& w : windows_) {
    if (w.in_use) {
      kept.push_back(std::move(w));
    } else {
      CB_MPI(MPI_Win_free(&w.win), who_);
    }
  }
  windows_ = std::move(kept);
}

ShmNode::Window ShmNode::new_window(std::size_t bytes) {
  Window w{MPI_WIN_NULL, nullptr, bytes, {}, false};
  MPI_Info info = noncontiguous(who_);
  CB_MPI(MPI_Win_allocate_shared(static_cast<MPI_Aint>(w.bytes), 1, info, comm_, &w.base, &w.win),
         who_);
  CB_MPI(MPI_Info_free(&info), who_);
  for (int peer = 0; peer < size_; ++peer) {
    MPI_Aint size = 0;
    int unit = 0;
    char* base = nullptr;
    CB_MPI(MPI_Win_shared_query(w.win, peer, &size, &unit, &base), who_);
    w.peers.push_back(base);
  }
  return w;
}

void* ShmNode::peer_address(const void* mine, int peer) {
  const char* p = static_cast<const char*>(mine);
  for (const Window& w : windows_) {
    if (p >= w.base && p < w.base + w.bytes) return w.peers[peer] + (p - w.base);
  }
  throw RuntimeFailure(who_.describe() + ": buffer not in a shared window");
}

void ShmNode::barrier() {
  ++epoch_;
  std::atomic_ref<uint64_t>(counters_[kBarrierSlot]).store(epoch_, std::memory_order_release);
  for (int peer = 0; peer < size_; ++peer) {
    if (peer != rank_) wait_until(peer, kBarrierSlot, epoch_, "the shared-memory barrier");
  }
  published_base_ = published_;
}

void ShmNode::publish() {
  ++published_;
  std::atomic_ref<uint64_t>(counters_[kProgressSlot]).store(published_, std::memory_order_release);
}

void ShmNode::wait_for(int peer, uint64_t pieces) {
  if (peer != rank_) wait_until(peer, kProgressSlot, published_base_ + pieces, "a shared piece");
}

void ShmNode::wait_until(int peer, std::size_t slot, uint64_t value, const char* what) {
  std::atomic_ref<uint64_t> counter(peer_counters_[peer][slot]);
  if (counter.load(std::memory_order_acquire) >= value) return;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s_);
  for (uint64_t spins = 0; counter.load(std::memory_order_acquire) < value; ++spins) {
    if (spins > spins_before_yield_) sched_yield();
    if (timeout_s_ > 0 && (spins & 1023) == 1023 && std::chrono::steady_clock::now() > deadline) {
      throw RuntimeFailure(who_.describe() + ": node-local rank " + std::to_string(peer) +
                           " never reached " + what);
    }
  }
}

std::unique_ptr<Memory> make_shm_memory(ShmNode& node) {
  return std::make_unique<ShmMemory>(node);
}

}  // namespace collbench
