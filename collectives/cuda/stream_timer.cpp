#include "collectives/cuda/stream_timer.hpp"

#include <algorithm>

#include "kernels/cuda_check.hpp"

namespace collbench {
namespace {

class StreamTimer final : public SampleTimer {
 public:
  explicit StreamTimer(std::vector<DeviceSlot> slots) : slots_(std::move(slots)) {
    for (const DeviceSlot& slot : slots_) {
      CB_CUDA(cudaSetDevice(slot.device));
      Pair pair;
      CB_CUDA(cudaEventCreate(&pair.start));
      CB_CUDA(cudaEventCreate(&pair.stop));
      events_.push_back(pair);
    }
  }

  ~StreamTimer() override {
    for (const Pair& pair : events_) {
      (void)cudaEventDestroy(pair.start);
      (void)cudaEventDestroy(pair.stop);
    }
  }

  void start() override { record(&Pair::start); }
  void stop() override { record(&Pair::stop); }

  // The harness calls this after the backend's complete(), so the events have fired.
  double seconds() override {
    double slowest = 0.0;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      CB_CUDA(cudaSetDevice(slots_[i].device));
      CB_CUDA(cudaEventSynchronize(events_[i].stop));
      float ms = 0.0f;
      CB_CUDA(cudaEventElapsedTime(&ms, events_[i].start, events_[i].stop));
      slowest = std::max(slowest, static_cast<double>(ms) * 1e-3);
    }
    return slowest;
  }

 private:
  struct Pair {
    cudaEvent_t start = nullptr;
    cudaEvent_t stop = nullptr;
  };

  void record(cudaEvent_t Pair::*which) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      CB_CUDA(cudaSetDevice(slots_[i].device));
      CB_CUDA(cudaEventRecord(events_[i].*which, slots_[i].stream));
    }
  }

  std::vector<DeviceSlot> slots_;
  std::vector<Pair> events_;
};

}  // namespace

std::unique_ptr<SampleTimer> make_stream_timer(const std::vector<DeviceSlot>& slots) {
  return std::make_unique<StreamTimer>(slots);
}

}  // namespace collbench
