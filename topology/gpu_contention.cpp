#include "topology/gpu_contention.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace collbench {
namespace {

// "3" -> "GPU 3"; a UUID names itself ("GPU-8f3c...").
std::string device_label(const std::string& device) {
  const bool index = !device.empty() && std::all_of(device.begin(), device.end(), ::isdigit);
  return index ? "GPU " + device : device;
}

// NVML's reason bits that hold clocks down, with what they mean to a reader of the header.
struct ClockReason {
  uint64_t bit;
  const char* meaning;
};
constexpr ClockReason kClockReasons[] = {
    {0x4, "software power cap"},
    {0x8, "hardware slowdown"},
    {0x10, "sync boost"},
    {0x20, "software thermal slowdown"},
    {0x40, "hardware thermal slowdown"},
    {0x80, "hardware power brake"},
    {0x100, "display clock setting"},
};

std::string process_text(const GpuProcess& p, const std::map<pid_t, std::string>& names) {
  const auto name = names.find(p.pid);
  std::string text = name != names.end()
                         ? name->second + " (pid " + std::to_string(p.pid)
                         // The driver reports pids of its own namespace: in a container they
                         // name nothing here, and guessing a name would mislead.
                         : "pid " + std::to_string(p.pid) + " (not in this /proc: another " +
                               "container or PID namespace";
  const char* kind = p.compute && p.graphics ? "compute+graphics"
                     : p.graphics            ? "graphics"
                                             : "compute";
  return text + ", " + kind + ")";
}

std::string process_name(const std::filesystem::path& proc, pid_t pid) {
  std::ifstream in(proc / std::to_string(pid) / "comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// Entries of CUDA_VISIBLE_DEVICES as CUDA reads them: up to the first one that is neither an
// index nor a UUID.
std::vector<std::string> visible_entries(const std::string& list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  for (std::string entry; std::getline(in, entry, ',');) {
    entry.erase(std::remove_if(entry.begin(), entry.end(), ::isspace), entry.end());
    const bool index = !entry.empty() && std::all_of(entry.begin(), entry.end(), ::isdigit);
    const bool uuid = entry.rfind("GPU-", 0) == 0 || entry.rfind("MIG-", 0) == 0;
    if (!index && !uuid) break;
    out.push_back(entry);
  }
  return out;
}

}  // namespace

std::vector<std::string> gpu_contention_causes(const std::string& device,
                                               const std::vector<GpuProcess>& processes,
                                               const std::set<pid_t>& ours,
                                               const std::map<pid_t, std::string>& names,
                                               uint64_t clock_event_reasons,
                                               int our_ranks_on_device) {
  std::vector<std::string> causes;
  // A process in both the compute and the graphics list is one process.
  std::map<pid_t, GpuProcess> others;
  std::set<pid_t> ours_listed;
  for (const GpuProcess& p : processes) {
    if (ours.count(p.pid)) {
      ours_listed.insert(p.pid);
      continue;
    }
    GpuProcess& merged = others.try_emplace(p.pid, GpuProcess{p.pid}).first->second;
    merged.compute = merged.compute || p.compute;
    merged.graphics = merged.graphics || p.graphics;
  }
  // Our ranks the driver lists under pids of another namespace: drop that many unknown pids.
  // Which of them are ours cannot be told, so the count is what the line keeps.
  int maybe_ours = 0;
  for (auto it = others.begin(); it != others.end();) {
    const int unseen_ours = our_ranks_on_device - static_cast<int>(ours_listed.size());
    if (maybe_ours < unseen_ours && !names.count(it->first)) {
      ++maybe_ours;
      it = others.erase(it);
    } else {
      ++it;
    }
  }
  if (!others.empty()) {
    std::string listed;
    int shown = 0;
    for (const auto& [pid, p] : others) {
      if (shown == 3) break;
      listed += (shown++ > 0 ? ", " : "") + process_text(p, names);
    }
    if (others.size() > 3) listed += " and " + std::to_string(others.size() - 3) + " more";
    if (maybe_ours > 0) {
      listed += " (besides " + std::to_string(maybe_ours) +
                " unknown pid(s) that may be this job's ranks)";
    }
    causes.push_back(std::to_string(others.size()) + " other process(es) on " +
                     device_label(device) + ": " + listed);
  }
  std::string held;
  for (const ClockReason& reason : kClockReasons) {
    if (clock_event_reasons & reason.bit)
      held += (held.empty() ? "" : ", ") + std::string(reason.meaning);
  }
  if (!held.empty()) causes.push_back(device_label(device) + " clocks held down: " + held);
  return causes;
}

std::vector<std::string> rank_gpu_devices(const std::optional<std::string>& cuda_visible_devices,
                                          unsigned device_count, int local_rank, int per_process) {
  std::vector<std::string> visible;
  if (cuda_visible_devices) {
    visible = visible_entries(*cuda_visible_devices);
  } else {
    for (unsigned i = 0; i < device_count; ++i) visible.push_back(std::to_string(i));
  }
  std::vector<std::string> out;
  if (visible.empty() || local_rank < 0) return out;
  for (int i = 0; i < std::max(per_process, 1); ++i) {
    const std::string& device = visible[(static_cast<std::size_t>(local_rank) *
                                             static_cast<std::size_t>(std::max(per_process, 1)) +
                                         static_cast<std::size_t>(i)) %
                                        visible.size()];
    if (std::find(out.begin(), out.end(), device) == out.end()) out.push_back(device);
  }
  return out;
}

GpuContention probe_gpu_contention(GpuQuery& gpus, const std::vector<std::string>& devices,
                                   const std::set<pid_t>& ours,
                                   const std::map<std::string, int>& ranks_per_device,
                                   const std::string& proc_root) {
  GpuContention out;
  out.unchecked = gpus.unavailable();
  if (!out.unchecked.empty()) return out;
  const std::filesystem::path proc(proc_root);
  for (const std::string& device : devices) {
    const GpuReading reading = gpus.read(device);
    if (!reading.error.empty()) {
      out.unchecked +=
          (out.unchecked.empty() ? "" : "; ") + device_label(device) + ": " + reading.error;
    }  // what was read (the processes, when only the clocks failed) still counts
    std::map<pid_t, std::string> names;
    for (const GpuProcess& p : reading.processes) {
      if (ours.count(p.pid)) continue;
      const std::string name = process_name(proc, p.pid);
      if (!name.empty()) names[p.pid] = name;
    }
    const auto ranks = ranks_per_device.find(device);
    for (std::string& cause :
         gpu_contention_causes(device, reading.processes, ours, names, reading.clock_event_reasons,
                               ranks == ranks_per_device.end() ? 0 : ranks->second)) {
      out.causes.push_back(std::move(cause));
    }
  }
  return out;
}

}  // namespace collbench
