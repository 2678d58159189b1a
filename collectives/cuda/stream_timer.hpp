#pragma once
// Times samples on the GPU: CUDA events recorded on each local rank's stream just before the
// first and after the last operation. With several local GPUs the slowest stream's time counts,
// as the harness takes the slowest rank.
#include <functional>
#include <memory>
#include <vector>

#include "collectives/backend.hpp"
#include "collectives/cuda/device_memory.hpp"

namespace collbench {

// `before_stop` runs first in stop(): a backend that batches operations (NCCL groups for -m)
// issues the open batch there, so the stop events follow every timed operation.
std::unique_ptr<SampleTimer> make_stream_timer(const std::vector<DeviceSlot>& slots,
                                               std::function<void()> before_stop = {});

}  // namespace collbench
