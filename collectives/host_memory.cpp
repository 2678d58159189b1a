#include <cstdlib>
#include <cstring>
#include <new>

#include "collectives/memory.hpp"
#include "kernels/host_patterns.hpp"

namespace collbench {

std::string_view memory_kind_name(MemoryKind kind) {
  return kind == MemoryKind::kHost ? "host" : "device";
}

void HostPatternMemory::fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern,
                                   int32_t rank, int) {
  host_fill_input(dtype, buffer, count, pattern, rank);
}

void HostPatternMemory::poison(void* buffer, std::size_t bytes, int) {
  host_poison(buffer, bytes);
}

int64_t HostPatternMemory::count_wrong(DType dtype, const void* buffer, int64_t count,
                                       const Pattern& pattern, const OutputMap& map, int32_t rank,
                                       int) {
  return host_count_wrong(dtype, buffer, count, pattern, map, rank);
}

namespace {

class HostMemory final : public HostPatternMemory {
 public:
  Buffer allocate(std::size_t bytes, int) override {
    constexpr std::size_t kPage = 4096;
    const std::size_t rounded = (std::max<std::size_t>(bytes, 1) + kPage - 1) / kPage * kPage;
    void* data = std::aligned_alloc(kPage, rounded);
    if (data == nullptr) throw std::bad_alloc();
    std::memset(data, 0, rounded);
    return Buffer(data, bytes, [](void* p) { std::free(p); });
  }
};

}  // namespace

std::unique_ptr<Memory> make_host_memory() {
  return std::make_unique<HostMemory>();
}

}  // namespace collbench
