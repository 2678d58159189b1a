// GpuQuery over NVML, loaded with dlopen: collbench links and starts on machines without the
// NVIDIA driver, and then only records that GPUs could not be checked. The few NVML entry points
// are declared here by their C ABI (nvml.h ships with the driver's development files, which a
// build machine need not have); every call's return code is checked.
#include <dlfcn.h>

#include <string>
#include <vector>

#include "topology/gpu_query.hpp"

namespace collbench {
namespace {

using NvmlReturn = int;    // nvmlReturn_t
using NvmlDevice = void*;  // nvmlDevice_t, an opaque handle
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr NvmlReturn kNvmlNotSupported = 3;
constexpr NvmlReturn kNvmlInsufficientSize = 7;

// nvmlProcessInfo_t as the _v2 and _v3 process queries fill it.
struct NvmlProcessInfo {
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};

using InitFn = NvmlReturn (*)();
using ErrorStringFn = const char* (*)(NvmlReturn);
using CountFn = NvmlReturn (*)(unsigned int*);
using ByIndexFn = NvmlReturn (*)(unsigned int, NvmlDevice*);
using ByUuidFn = NvmlReturn (*)(const char*, NvmlDevice*);
using ProcessesFn = NvmlReturn (*)(NvmlDevice, unsigned int*, NvmlProcessInfo*);
using ReasonsFn = NvmlReturn (*)(NvmlDevice, unsigned long long*);

class NvmlQuery final : public GpuQuery {
 public:
  explicit NvmlQuery(const std::string& library) {
    library_ = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_) {
      const char* why = dlerror();
      unavailable_ = library + " could not be loaded (" + (why ? why : "no reason given") + ")";
      return;
    }
    const bool complete =
        find(init_, {"nvmlInit_v2"}) && find(shutdown_, {"nvmlShutdown"}) &&
        find(error_string_, {"nvmlErrorString"}) && find(count_, {"nvmlDeviceGetCount_v2"}) &&
        find(by_index_, {"nvmlDeviceGetHandleByIndex_v2"}) &&
        find(by_uuid_, {"nvmlDeviceGetHandleByUUID"}) &&
        // The _v3 queries replaced _v2 with the same record; older drivers have only _v2.
        find(compute_, {"nvmlDeviceGetComputeRunningProcesses_v3",
                        "nvmlDeviceGetComputeRunningProcesses_v2"}) &&
        find(graphics_, {"nvmlDeviceGetGraphicsRunningProcesses_v3",
                         "nvmlDeviceGetGraphicsRunningProcesses_v2"}) &&
        // Renamed in CUDA 12 ("throttle" became "clocks event"); same bits.
        find(reasons_, {"nvmlDeviceGetCurrentClocksEventReasons",
                        "nvmlDeviceGetCurrentClocksThrottleReasons"});
    if (!complete) return;
    const NvmlReturn status = init_();
    if (status != kNvmlSuccess) {
      unavailable_ = "nvmlInit failed: " + error_text(status);
      return;
    }
    initialised_ = true;
  }

  ~NvmlQuery() override {
    // A failed shutdown leaves nothing to undo at exit. The library stays loaded: NVML may have
    // started threads that would outlive an unload.
    if (initialised_) (void)shutdown_();
  }

  std::string unavailable() const override { return unavailable_; }

  unsigned device_count() override {
    unsigned int count = 0;
    if (!initialised_ || count_(&count) != kNvmlSuccess) return 0;
    return count;
  }

  GpuReading read(const std::string& device) override {
    GpuReading out;
    if (!initialised_) {
      out.error = unavailable_;
      return out;
    }
    NvmlDevice handle = nullptr;
    const bool index =
        !device.empty() && device.find_first_not_of("0123456789") == std::string::npos;
    NvmlReturn status = kNvmlSuccess;
    try {
      status = index ? by_index_(static_cast<unsigned int>(std::stoul(device)), &handle)
                     : by_uuid_(device.c_str(), &handle);
    } catch (const std::exception&) {
      out.error = "not a device index: " + device;
      return out;
    }
    if (status != kNvmlSuccess) {
      out.error = "no such device (" + error_text(status) + ")";
      return out;
    }
    if (!processes(compute_, handle, false, out) || !processes(graphics_, handle, true, out)) {
      return out;
    }
    unsigned long long reasons = 0;
    status = reasons_(handle, &reasons);
    if (status == kNvmlSuccess) {
      out.clock_event_reasons = reasons;
    } else if (status != kNvmlNotSupported) {
      out.error = "clock event reasons: " + error_text(status);
    }
    return out;
  }

 private:
  template <typename Fn>
  bool find(Fn& fn, std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (void* symbol = dlsym(library_, name)) {
        fn = reinterpret_cast<Fn>(symbol);
        return true;
      }
    }
    unavailable_ = std::string("the NVML library lacks ") + *names.begin();
    return false;
  }

  std::string error_text(NvmlReturn status) const {
    const char* text = error_string_ ? error_string_(status) : nullptr;
    return (text ? std::string(text) : "NVML error") + " [" + std::to_string(status) + "]";
  }

  // Appends the processes one query reports; false with out.error set when it fails. The list
  // may grow between the sizing call and the filling one, so a short buffer is retried.
  bool processes(ProcessesFn query, NvmlDevice handle, bool graphics, GpuReading& out) const {
    std::vector<NvmlProcessInfo> infos;
    for (int attempt = 0; attempt < 4; ++attempt) {
      unsigned int count = static_cast<unsigned int>(infos.size());
      const NvmlReturn status = query(handle, &count, infos.empty() ? nullptr : infos.data());
      if (status == kNvmlInsufficientSize) {
        infos.resize(count + 8);
        continue;
      }
      if (status != kNvmlSuccess) {
        out.error =
            std::string(graphics ? "graphics" : "compute") + " processes: " + error_text(status);
        return false;
      }
      for (unsigned int i = 0; i < count && i < infos.size(); ++i) {
        GpuProcess p;
        p.pid = static_cast<pid_t>(infos[i].pid);
        p.compute = !graphics;
        p.graphics = graphics;
        out.processes.push_back(p);
      }
      return true;
    }
    out.error = "the process list kept growing";
    return false;
  }

  void* library_ = nullptr;
  std::string unavailable_;
  bool initialised_ = false;
  InitFn init_ = nullptr;
  InitFn shutdown_ = nullptr;
  ErrorStringFn error_string_ = nullptr;
  CountFn count_ = nullptr;
  ByIndexFn by_index_ = nullptr;
  ByUuidFn by_uuid_ = nullptr;
  ProcessesFn compute_ = nullptr;
  ProcessesFn graphics_ = nullptr;
  ReasonsFn reasons_ = nullptr;
};

}  // namespace

std::unique_ptr<GpuQuery> open_nvml(const std::string& library) {
  return std::make_unique<NvmlQuery>(library);
}

}  // namespace collbench
