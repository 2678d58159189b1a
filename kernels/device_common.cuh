#pragma once
// Shared by the .cu files of kernels/: launch sizing and 16-byte vector access. Device code only.
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>

#include "kernels/cuda_check.hpp"

namespace collbench::device {

inline constexpr int kThreads = 256;
inline constexpr int kVectorBytes = 16;
// Blocks per SM a grid-stride kernel is sized for: enough loads in flight to saturate HBM.
inline constexpr int kBlocksPerSm = 8;

// Elements of T in one 16-byte access.
template <typename T>
inline constexpr int kLanes = kVectorBytes / static_cast<int>(sizeof(T));

inline int sm_count() {
  int device = 0;
  CB_CUDA(cudaGetDevice(&device));
  int sms = 0;
  CB_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  return sms > 0 ? sms : 1;
}

// Blocks for `units` work items of one thread each, capped at a full machine's worth.
inline unsigned grid_for(int64_t units, int64_t budget_blocks) {
  const int64_t wanted = (units + kThreads - 1) / kThreads;
  const int64_t cap = budget_blocks > 0 ? budget_blocks : 1;
  return static_cast<unsigned>(wanted < 1 ? 1 : (wanted < cap ? wanted : cap));
}

__host__ __device__ inline bool aligned16(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kVectorBytes == 0;
}

// One 16-byte vector of T, loaded and stored whole.
template <typename T>
struct alignas(kVectorBytes) Vec {
  T lane[kLanes<T>];
};

template <typename T>
__device__ inline Vec<T> load_vec(const T* p) {
  const uint4 raw = __ldg(reinterpret_cast<const uint4*>(p));
  Vec<T> v;
  memcpy(&v, &raw, sizeof v);
  return v;
}

template <typename T>
__device__ inline void store_vec(T* p, const Vec<T>& v) {
  uint4 raw;
  memcpy(&raw, &v, sizeof raw);
  *reinterpret_cast<uint4*>(p) = raw;
}

}  // namespace collbench::device
