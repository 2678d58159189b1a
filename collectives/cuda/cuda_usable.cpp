#include "collectives/cuda/cuda_usable.hpp"

#include <cstdlib>

#include "collectives/cuda/nvidia_hardware.hpp"

namespace collbench {

std::string describe_cuda_unusable(cudaError_t status, int present) {
  const std::string error = status == cudaSuccess
                                ? std::string("cudaGetDeviceCount found none")
                                : std::string("cudaGetDeviceCount: ") + cudaGetErrorName(status) +
                                      " (" + std::to_string(static_cast<int>(status)) +
                                      "): " + cudaGetErrorString(status);
  if (present == 0) return "no CUDA device visible (" + error + ")";
  std::string text =
      "CUDA cannot use the " + std::to_string(present) + " NVIDIA GPU(s) on this machine: " + error;
  if (status == cudaErrorInsufficientDriver || status == cudaErrorCompatNotSupportedOnDevice) {
    text += " (the NVIDIA driver is older than this CUDA runtime: update the driver)";
  } else if (status == cudaSuccess || status == cudaErrorNoDevice) {
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    if (visible != nullptr) text += " (CUDA_VISIBLE_DEVICES=" + std::string(visible) + ")";
  }
  return text;
}

std::optional<std::string> cuda_unusable_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status == cudaSuccess && count > 0) return std::nullopt;
  (void)cudaGetLastError();
  return describe_cuda_unusable(status, nvidia_gpus_present());
}

}  // namespace collbench
