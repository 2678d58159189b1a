#include "kernels/cuda_check.hpp"

#include <unistd.h>

#include <mutex>

#include "core/errors.hpp"

namespace collbench {
namespace {

std::mutex& context_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::string& context() {
  static std::string who;
  return who;
}

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown host";
  return name;
}

}  // namespace

void set_cuda_error_context(std::string who) {
  const std::lock_guard lock(context_mutex());
  context() = std::move(who);
}

std::string cuda_error_context() {
  const std::lock_guard lock(context_mutex());
  return context().empty() ? "process on " + hostname() : context();
}

std::string describe_current_device() {
  int device = -1;
  if (cudaGetDevice(&device) != cudaSuccess) return "device ?";
  char bus[32] = {};
  if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) != cudaSuccess) {
    return "device " + std::to_string(device);
  }
  return "device " + std::to_string(device) + " (" + bus + ")";
}

void throw_cuda_error(cudaError_t error, const char* call, const char* file, int line) {
  // Clear a sticky-free error so the next call does not report this one again.
  (void)cudaGetLastError();
  throw RuntimeFailure(cuda_error_context() + ", " + describe_current_device() + ": " + call +
                       " failed: " + cudaGetErrorName(error) + " (" + cudaGetErrorString(error) +
                       ") at " + file + ":" + std::to_string(line));
}

}  // namespace collbench
