#pragma once
// Memory on CUDA devices: one slot (device, stream) per local rank. Fill, poison and check run as
// kernels on the slot's stream, so they are ordered with the backend's operations there.
#include <cuda_runtime_api.h>

#include <memory>
#include <vector>

#include "collectives/memory.hpp"

namespace collbench {

struct DeviceSlot {
  int device = 0;
  cudaStream_t stream = nullptr;
};

std::unique_ptr<Memory> make_device_memory(std::vector<DeviceSlot> slots);

// Devices this process can see; 0 when there is no driver or no device. `why` gets CUDA's reason.
int visible_device_count(std::string* why = nullptr);

}  // namespace collbench
