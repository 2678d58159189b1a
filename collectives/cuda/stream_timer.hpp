#pragma once
// Times samples on the GPU: CUDA events recorded on each local rank's stream just before the
// first and after the last operation. With several local GPUs the slowest stream's time counts,
// as the harness takes the slowest rank.
#include <memory>
#include <vector>

#include "collectives/backend.hpp"
#include "collectives/cuda/device_memory.hpp"

namespace collbench {

// NCCL has its own timer (collectives/nccl/nccl_launcher.cpp: through the NcclCalls seam, with
// its -m batch and watchdog); this one serves the other device backends.
std::unique_ptr<SampleTimer> make_stream_timer(const std::vector<DeviceSlot>& slots);

}  // namespace collbench
