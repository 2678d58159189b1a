#pragma once
// What makes GPU timings unreliable, as seen from one node: other processes on the devices the
// ranks use, and clocks held down by power or thermal limits. Read through a GpuQuery
// (topology/gpu_query.hpp); each cause is one line for the run header and the run record, like
// the host causes of topology/host_contention.hpp.
#include <sys/types.h>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "topology/gpu_query.hpp"

namespace collbench {

// NVML's clocks event reason bits that do not mean contention: an idle GPU, and clocks the
// administrator set on purpose (application clocks).
inline constexpr uint64_t kGpuIdleReason = 0x1;
inline constexpr uint64_t kGpuApplicationClocksReason = 0x2;

// The lines for one device: other processes on it (not in `ours`, named from `names` where
// /proc knows the pid) and clocks held down for a reason other than idling or settings.
// `our_ranks_on_device`: this job's ranks that have a context on the device by now (0 before
// the backends start). In a container the driver reports pids of another namespace, so that many
// listed pids unknown to /proc, less those of `ours` listed, may be our own ranks: they are
// named as such rather than as other processes.
std::vector<std::string> gpu_contention_causes(const std::string& device,
                                               const std::vector<GpuProcess>& processes,
                                               const std::set<pid_t>& ours,
                                               const std::map<pid_t, std::string>& names,
                                               uint64_t clock_event_reasons,
                                               int our_ranks_on_device = 0);

// The devices a rank uses, as the GPU backends choose them: `per_process` consecutive devices
// from local_rank x per_process, wrapping, among those CUDA_VISIBLE_DEVICES names (unset: all
// `device_count`). Entries are driver indices or UUIDs; empty when no device is visible.
std::vector<std::string> rank_gpu_devices(const std::optional<std::string>& cuda_visible_devices,
                                          unsigned device_count, int local_rank, int per_process);

struct GpuContention {
  std::vector<std::string> causes;  // one line each
  std::string unchecked;            // why the GPUs could not be checked; empty when they were
};

// Reads each device in `devices` and names the processes on them that are not `ours` from
// `proc_root`. Never throws: a device that cannot be read is a cause not checked.
// `ranks_per_device`: as for gpu_contention_causes, by device (absent: 0).
GpuContention probe_gpu_contention(GpuQuery& gpus, const std::vector<std::string>& devices,
                                   const std::set<pid_t>& ours,
                                   const std::map<std::string, int>& ranks_per_device = {},
                                   const std::string& proc_root = "/proc");

}  // namespace collbench
