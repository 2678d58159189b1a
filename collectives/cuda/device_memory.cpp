#include "collectives/cuda/device_memory.hpp"

#include "kernels/cuda_check.hpp"
#include "kernels/device_patterns.hpp"

namespace collbench {
namespace {

// Per slot: the device counter the check kernel adds to, and pinned host memory to read it.
struct CheckScratch {
  void* device = nullptr;  // kDeviceCheckScratchBytes: counter and expectation table
  unsigned long long* host = nullptr;
};

class DeviceMemory final : public Memory {
 public:
  explicit DeviceMemory(std::vector<DeviceSlot> slots) : slots_(std::move(slots)) {
    for (const DeviceSlot& slot : slots_) {
      CB_CUDA(cudaSetDevice(slot.device));
      CheckScratch s;
      CB_CUDA(cudaMalloc(&s.device, kDeviceCheckScratchBytes));
      CB_CUDA(cudaMallocHost(reinterpret_cast<void**>(&s.host), sizeof *s.host));
      scratch_.push_back(s);
    }
  }

  ~DeviceMemory() override {
    // Destructors cannot report: a failure here follows an error that was already reported.
    for (const CheckScratch& s : scratch_) {
      (void)cudaFree(s.device);
      (void)cudaFreeHost(s.host);
    }
  }

  MemoryKind kind() const override { return MemoryKind::kDevice; }

  Buffer allocate(std::size_t bytes, int local) override {
    const DeviceSlot& slot = use(local);
    void* data = nullptr;
    const std::size_t size = bytes > 0 ? bytes : 1;
    CB_CUDA(cudaMalloc(&data, size));
    // Touch it now, like host memory, so first-use costs stay out of the timings. On the slot's
    // stream: a non-blocking stream is not ordered after work on the legacy default stream.
    CB_CUDA(cudaMemsetAsync(data, 0, size, slot.stream));
    return Buffer(data, bytes, [](void* p) { (void)cudaFree(p); });
  }

  void fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern, int32_t rank,
                  int local) override {
    device_fill_input(dtype, buffer, count, pattern, rank, use(local).stream);
  }

  void poison(void* buffer, std::size_t bytes, int local) override {
    device_poison(buffer, bytes, use(local).stream);
  }

  int64_t count_wrong(DType dtype, const void* buffer, int64_t count, const Pattern& pattern,
                      const OutputMap& map, int32_t rank, int local) override {
    const DeviceSlot& slot = use(local);
    const CheckScratch& s = scratch_.at(static_cast<std::size_t>(local));
    return device_count_wrong(dtype, buffer, count, pattern, map, rank, s.device, s.host,
                              slot.stream);
  }

 private:
  const DeviceSlot& use(int local) {
    const DeviceSlot& slot = slots_.at(static_cast<std::size_t>(local));
    CB_CUDA(cudaSetDevice(slot.device));
    return slot;
  }

  std::vector<DeviceSlot> slots_;
  std::vector<CheckScratch> scratch_;
};

}  // namespace

std::unique_ptr<Memory> make_device_memory(std::vector<DeviceSlot> slots) {
  return std::make_unique<DeviceMemory>(std::move(slots));
}

int visible_device_count(std::string* why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    if (why) *why = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(status);
    return 0;
  }
  if (count == 0 && why) *why = "cudaGetDeviceCount found none";
  return count;
}

}  // namespace collbench
