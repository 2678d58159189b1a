#include "collectives/cuda/stream_timer.hpp"

#include <algorithm>

#include "kernels/cuda_check.hpp"

namespace collbench {
namespace {

class StreamTimer final : public SampleTimer {
 public:
  StreamTimer(std::vector<DeviceSlot> slots, std::function<void()> before_stop)
      : slots_(std::move(slots)), before_stop_(std::move(before_stop)) {
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
  void stop() override {
    if (before_stop_) before_stop_();
    record(&Pair::stop);
  }

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
  std::function<void()> before_stop_;
  std::vector<Pair> events_;
};

}  // namespace

std::unique_ptr<SampleTimer> make_stream_timer(const std::vector<DeviceSlot>& slots,
                                               std::function<void()> before_stop) {
  return std::make_unique<StreamTimer>(slots, std::move(before_stop));
}

}  // namespace collbench
