#pragma once
// For GPU tests: whether a device is visible (a test without one skips), clearing CUDA's error.
#include <cuda_runtime_api.h>

namespace collbench {

inline bool cuda_device_visible() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    (void)cudaGetLastError();
    return false;
  }
  return true;
}

}  // namespace collbench
