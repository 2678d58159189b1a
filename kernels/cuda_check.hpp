#pragma once
// Every CUDA runtime call goes through CB_CUDA: a failure becomes a RuntimeFailure (exit code 3)
// that names the call, the source line, the device, the host and, once a backend has said who
// this process is, the rank. Kernel launches are checked with CB_CUDA(cudaGetLastError()).
#include <cuda_runtime_api.h>

#include <string>

namespace collbench {

// "rank 3 on node17": prefixed to CUDA errors once known (the backend sets it at start-up).
void set_cuda_error_context(std::string who);
std::string cuda_error_context();

[[noreturn]] void throw_cuda_error(cudaError_t error, const char* call, const char* file, int line);

// The current device, for messages: "device 2 (0000:41:00.0)".
std::string describe_current_device();

}  // namespace collbench

#define CB_CUDA(call)                                                            \
  do {                                                                           \
    const cudaError_t cb_cuda_status_ = (call);                                  \
    if (cb_cuda_status_ != cudaSuccess) {                                        \
      ::collbench::throw_cuda_error(cb_cuda_status_, #call, __FILE__, __LINE__); \
    }                                                                            \
  } while (0)
