#pragma once
// The CUDA IPC backend's shared buffers grow when the harness allocates its own buffers, never
// inside an operation: growing means a stream sync, two barriers, cudaMalloc and IPC opens, which
// inside a timed sample (-w 0, or a size larger than the warm-up's) would be measured as the
// collective. Host-only logic, so the rule is tested without a GPU (tests/custom).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "collectives/backend.hpp"
#include "collectives/memory.hpp"

namespace collbench {

// Bytes one operation uses in each rank's shared buffers.
struct PeerBufferNeeds {
  std::size_t stage = 0;    // every collective: the input staged for the peers
  std::size_t reduced = 0;  // two-shot all_reduce: the rank's reduced piece
};

// all_reduce stages count elements (and two-shot reduces up to count into `reduced`); all_to_all
// stages one block per peer. Never more than the operation's send buffer.
PeerBufferNeeds peer_buffer_needs(const OpArgs& args, int nranks, bool two_shot);

class PeerCapacity {
 public:
  // `grow(bytes)` replaces both shared buffers with ones of `bytes` on every rank (collective).
  explicit PeerCapacity(std::function<void(std::size_t)> grow) : grow_(std::move(grow)) {}

  // At allocation: the harness is about to allocate a buffer of `bytes` for its operations, so
  // both shared buffers become at least that large (growing geometrically, so a sweep grows a
  // few times at most). Collective: every rank allocates the same sizes in the same order.
  void reserve(std::size_t bytes);
  // In an operation: throws RuntimeFailure (never grows) when `needs` exceeds what allocation
  // reserved, which would mean a buffer that did not come from the backend's memory().
  void require(const PeerBufferNeeds& needs) const;

  std::size_t capacity() const { return capacity_; }
  int grows() const { return grows_; }

 private:
  std::function<void(std::size_t)> grow_;
  std::size_t capacity_ = 0;
  int grows_ = 0;
};

// `inner` with every allocation reserved in `capacity` first.
std::unique_ptr<Memory> make_reserving_memory(std::unique_ptr<Memory> inner,
                                              PeerCapacity& capacity);

}  // namespace collbench
