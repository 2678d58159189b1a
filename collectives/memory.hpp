#pragma once
// Where a backend's buffers live, and how the harness fills, poisons and checks them there. Host
// memory uses kernels/host_patterns; device memory uses the CUDA kernels of kernels/. The harness
// only talks to this interface, so verification costs the same code path on every backend.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "core/dtype.hpp"
#include "kernels/pattern.hpp"

namespace collbench {

enum class MemoryKind : uint8_t { kHost, kDevice };
std::string_view memory_kind_name(MemoryKind kind);

// A buffer owned by a Memory. Movable, frees itself. The deleter may carry state (the shared
// window a buffer came from), so no table of live buffers is needed.
class Buffer {
 public:
  using Deleter = std::function<void(void*)>;
  Buffer() = default;
  Buffer(void* data, std::size_t bytes, Deleter deleter)
      : data_(data, std::move(deleter)), bytes_(bytes) {}
  void* data() const { return data_.get(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::unique_ptr<void, Deleter> data_{nullptr, [](void*) {}};
  std::size_t bytes_ = 0;
};

class Memory {
 public:
  virtual ~Memory() = default;
  virtual MemoryKind kind() const = 0;
  // `local` is the index of the rank within this process (its GPU, for device memory); `rank`
  // is the global rank whose pattern is written or expected.
  virtual Buffer allocate(std::size_t bytes, int local) = 0;
  virtual void fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern,
                          int32_t rank, int local) = 0;
  virtual void poison(void* buffer, std::size_t bytes, int local) = 0;
  virtual int64_t count_wrong(DType dtype, const void* buffer, int64_t count,
                              const Pattern& pattern, const OutputMap& map, int32_t rank,
                              int local) = 0;
};

// Host memory's fill, poison and check (kernels/host_patterns); subclasses decide where the
// buffers live (the heap, a shared window, ...).
class HostPatternMemory : public Memory {
 public:
  MemoryKind kind() const override { return MemoryKind::kHost; }
  void fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern, int32_t rank,
                  int local) override;
  void poison(void* buffer, std::size_t bytes, int local) override;
  int64_t count_wrong(DType dtype, const void* buffer, int64_t count, const Pattern& pattern,
                      const OutputMap& map, int32_t rank, int local) override;
};

// Page-aligned host memory, touched on allocation so first-use page faults stay out of timings.
std::unique_ptr<Memory> make_host_memory();

}  // namespace collbench
