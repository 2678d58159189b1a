#pragma once
// What the GPU contention check needs from the driver: the processes on a device and why its
// clocks are held down. An interface so the check runs on CPU-only machines with a fake, and so
// collbench never links the driver's library: open_nvml() loads it at run time.
#include <sys/types.h>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace collbench {

struct GpuProcess {
  pid_t pid = 0;  // as the driver sees it: possibly another PID namespace than ours
  bool compute = false;
  bool graphics = false;
};

struct GpuReading {
  std::vector<GpuProcess> processes;
  uint64_t clock_event_reasons = 0;  // NVML's clocks event (throttle) reason bits; 0: none known
  std::string error;  // what could not be read (the rest is kept); empty when all was
};

class GpuQuery {
 public:
  virtual ~GpuQuery() = default;
  // Why no device can be checked (library missing, initialisation failed); empty when usable.
  virtual std::string unavailable() const = 0;
  virtual unsigned device_count() = 0;  // 0 when unknown
  // `device`: a driver index ("3") or a UUID ("GPU-..."), as CUDA_VISIBLE_DEVICES names them.
  virtual GpuReading read(const std::string& device) = 0;
};

// NVML from `library` (dlopen), initialised; unavailable() says why when it cannot be used.
std::unique_ptr<GpuQuery> open_nvml(const std::string& library = "libnvidia-ml.so.1");

}  // namespace collbench
