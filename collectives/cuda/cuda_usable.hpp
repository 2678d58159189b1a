#pragma once
// Whether CUDA can be used, and if not the real reason: CUDA's error name, code and text, and
// whether NVIDIA GPUs are present at all. Every command that needs a GPU refuses with this line
// (exit 2), so a machine with a GPU and a driver too old for this CUDA runtime is told so instead
// of "no device" or "backend mpi is unavailable".
#include <cuda_runtime_api.h>

#include <optional>
#include <string>

namespace collbench {

// nullopt when cudaGetDeviceCount finds a device.
std::optional<std::string> cuda_unusable_reason();

// The text for cudaGetDeviceCount's `status` (cudaSuccess with no device) when `present` NVIDIA
// GPUs exist. Starts "no CUDA device visible" only when there is no GPU hardware either, the
// phrase the GPU tests skip on.
std::string describe_cuda_unusable(cudaError_t status, int present);

}  // namespace collbench
