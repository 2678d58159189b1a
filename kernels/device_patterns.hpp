#pragma once
// Device-side fill, poison and check: the same patterns and closed-form expectations as
// host_patterns (both come from pattern.hpp), computed by CUDA kernels on `stream` of the current
// device. Checking counts wrong elements on the GPU and copies back one number.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"
#include "kernels/pattern.hpp"

namespace collbench {

// Writes input elements [0, count) of `rank`, element j holding index index_base + j.
void device_fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern,
                       int32_t rank, cudaStream_t stream, int64_t index_base = 0);

// Fills with 0xff bytes, a value no pattern produces.
void device_poison(void* buffer, std::size_t bytes, cudaStream_t stream);

// Device memory a check works in: the wrong-element counter (an unsigned long long at its start)
// and the expectation table of the pattern, built once per check.
inline constexpr std::size_t kDeviceCheckScratchBytes = 256 + kMaxPeriod * sizeof(double);

// Enqueues the count of output elements [0, count) of `rank` that differ from the expectation
// into the counter at the start of `scratch` (kDeviceCheckScratchBytes of device memory); the
// caller copies it back when it needs it.
void device_count_wrong_async(DType dtype, const void* buffer, int64_t count,
                              const Pattern& pattern, const OutputMap& map, int32_t rank,
                              void* scratch, cudaStream_t stream);

// The same, synchronously: `host_result` is pinned host memory for the copy back.
int64_t device_count_wrong(DType dtype, const void* buffer, int64_t count, const Pattern& pattern,
                           const OutputMap& map, int32_t rank, void* scratch,
                           unsigned long long* host_result, cudaStream_t stream);

}  // namespace collbench
