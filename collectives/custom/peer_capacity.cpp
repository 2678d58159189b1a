#include "collectives/custom/peer_capacity.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"

namespace collbench {

PeerBufferNeeds peer_buffer_needs(const OpArgs& args, int nranks, bool two_shot) {
  const auto bytes =
      static_cast<std::size_t>(args.layout.param_count) * dtype_info(args.dtype).size;
  if (args.collective == Collective::kAllToAll) {
    return {bytes * static_cast<std::size_t>(nranks), 0};
  }
  return {bytes, two_shot ? bytes : 0};
}

void PeerCapacity::reserve(std::size_t bytes) {
  if (bytes <= capacity_) return;
  const std::size_t grown = std::max(bytes, 2 * capacity_);
  grow_(grown);
  capacity_ = grown;
  ++grows_;
}

void PeerCapacity::require(const PeerBufferNeeds& needs) const {
  const std::size_t largest = std::max(needs.stage, needs.reduced);
  if (largest <= capacity_) return;
  throw RuntimeFailure("backend custom on device memory: an operation needs " +
                       std::to_string(largest) + " B of shared buffer but allocation reserved " +
                       std::to_string(capacity_) +
                       " B; its buffers must come from the backend's memory() (internal error)");
}

namespace {

class ReservingMemory final : public Memory {
 public:
  ReservingMemory(std::unique_ptr<Memory> inner, PeerCapacity& capacity)
      : inner_(std::move(inner)), capacity_(capacity) {}
  MemoryKind kind() const override { return inner_->kind(); }
  Buffer allocate(std::size_t bytes, int local) override {
    capacity_.reserve(bytes);
    return inner_->allocate(bytes, local);
  }
  void fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern, int32_t rank,
                  int local) override {
    inner_->fill_input(dtype, buffer, count, pattern, rank, local);
  }
  void poison(void* buffer, std::size_t bytes, int local) override {
    inner_->poison(buffer, bytes, local);
  }
  int64_t count_wrong(DType dtype, const void* buffer, int64_t count, const Pattern& pattern,
                      const OutputMap& map, int32_t rank, int local) override {
    return inner_->count_wrong(dtype, buffer, count, pattern, map, rank, local);
  }

 private:
  std::unique_ptr<Memory> inner_;
  PeerCapacity& capacity_;
};

}  // namespace

std::unique_ptr<Memory> make_reserving_memory(std::unique_ptr<Memory> inner,
                                              PeerCapacity& capacity) {
  return std::make_unique<ReservingMemory>(std::move(inner), capacity);
}

}  // namespace collbench
