#pragma once
// For GPU tests: whether a device is usable. A test skips only where the machine has no NVIDIA
// GPU at all; where one is present but CUDA reports an error (driver too old, not loaded), the
// test fails with CUDA's error instead of skipping.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <string>

#include "collectives/cuda/nvidia_hardware.hpp"

namespace collbench {

inline bool cuda_device_visible() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status == cudaSuccess && count > 0) return true;
  (void)cudaGetLastError();
  if (const int present = nvidia_gpus_present(); present > 0) {
    ADD_FAILURE() << present << " NVIDIA GPU(s) present but CUDA cannot use them: "
                  << "cudaGetDeviceCount: " << cudaGetErrorName(status) << " ("
                  << static_cast<int>(status) << "): " << cudaGetErrorString(status);
  }
  return false;
}

}  // namespace collbench
