#include "topology/host_contention.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace collbench {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fields of /proc/PID/stat that matter here. The command name is in parentheses and may
// itself hold spaces and parentheses, so fields are counted from the last ')'.
struct ProcessState {
  pid_t pid = 0;
  std::string name;
  char state = '?';
  pid_t parent = 0;
  int cpu = -1;  // the CPU it last ran on (field 39)
};

bool read_stat(const fs::path& dir, ProcessState& out) {
  const std::string text = read_text(dir / "stat");
  const std::size_t open = text.find('(');
  const std::size_t close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  out.name = text.substr(open + 1, close - open - 1);
  std::istringstream rest(text.substr(close + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string field; rest >> field;) fields.push_back(field);
  if (fields.size() < 37) return false;
  try {
    out.pid = static_cast<pid_t>(std::stol(text.substr(0, open)));
    out.state = fields[0].empty() ? '?' : fields[0][0];
    out.parent = static_cast<pid_t>(std::stol(fields[1]));
    out.cpu = std::stoi(fields[36]);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

std::set<int> allowed_cpus(const fs::path& dir) {
  return parse_cpu_list(
      proc_status_field((dir / "status").string(), "Cpus_allowed_list").value_or(""));
}

bool is_process_dir(const fs::directory_entry& entry) {
  const std::string name = entry.path().filename().string();
  return !name.empty() && std::all_of(name.begin(), name.end(), ::isdigit);
}

}  // namespace

std::optional<std::string> proc_status_field(const std::string& status_path,
                                             const std::string& key) {
  std::istringstream status(read_text(status_path));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(key + ":", 0) == 0) return line.substr(key.size() + 1);
  }
  return std::nullopt;
}

std::set<int> parse_cpu_list(const std::string& text) {
  std::set<int> cpus;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    part.erase(std::remove_if(part.begin(), part.end(), ::isspace), part.end());
    if (part.empty()) continue;
    try {
      const std::size_t dash = part.find('-');
      const int first = std::stoi(part.substr(0, dash));
      const int last = dash == std::string::npos ? first : std::stoi(part.substr(dash + 1));
      if (first < 0 || last < first || last - first > 1 << 16) return {};
      for (int cpu = first; cpu <= last; ++cpu) cpus.insert(cpu);
    } catch (const std::exception&) {
      return {};
    }
  }
  return cpus;
}

std::string cpu_list_text(const std::set<int>& cpus) {
  std::string out;
  for (auto it = cpus.begin(); it != cpus.end();) {
    int first = *it, last = *it;
    while (++it != cpus.end() && *it == last + 1) last = *it;
    if (!out.empty()) out += ',';
    out += std::to_string(first);
    if (last != first) out.append("-").append(std::to_string(last));
  }
  return out;
}

HostContention probe_host_contention(const ContentionProbe& probe) {
  HostContention out;
  const fs::path proc(probe.proc_root);
  const pid_t self = probe.self != 0 ? probe.self : getpid();
  ProcessState me;
  if (!read_stat(proc / std::to_string(self), me)) return out;
  std::error_code error;
  const fs::path my_exe = fs::read_symlink(proc / std::to_string(self) / "exe", error);

  // The ranks' CPUs: this process's and its siblings' (the launcher's other ranks on this node).
  std::set<pid_t> siblings = {self};
  std::set<int> cpus = allowed_cpus(proc / std::to_string(self));
  for (const auto& entry : fs::directory_iterator(proc, error)) {
    if (!is_process_dir(entry)) continue;
    ProcessState other;
    if (!read_stat(entry.path(), other) || other.pid == self || other.parent != me.parent) continue;
    std::error_code exe_error;
    if (fs::read_symlink(entry.path() / "exe", exe_error) != my_exe || exe_error) continue;
    siblings.insert(other.pid);
    const std::set<int> theirs = allowed_cpus(entry.path());
    cpus.insert(theirs.begin(), theirs.end());
  }
  if (cpus.empty()) return out;

  if (probe.ranks_on_node > static_cast<int>(cpus.size())) {
    out.causes.push_back(std::to_string(probe.ranks_on_node) + " ranks share " +
                         std::to_string(cpus.size()) + " CPU(s) (" + cpu_list_text(cpus) +
                         "): ranks wait for each other's time slices");
  }

  // Other processes seen running on the ranks' CPUs in most snapshots: a busy neighbour.
  std::map<pid_t, int> seen_running;
  std::map<pid_t, ProcessState> last_state;
  for (int snapshot = 0; snapshot < probe.snapshots; ++snapshot) {
    if (snapshot > 0) std::this_thread::sleep_for(std::chrono::milliseconds(probe.interval_ms));
    for (const auto& entry : fs::directory_iterator(proc, error)) {
      if (!is_process_dir(entry)) continue;
      ProcessState other;
      if (!read_stat(entry.path(), other) || siblings.count(other.pid) || other.pid == me.parent ||
          other.parent == 2 || other.pid == 2) {
        continue;  // the ranks, their launcher and kernel threads
      }
      if (other.state == 'R' && cpus.count(other.cpu)) {
        ++seen_running[other.pid];
        last_state[other.pid] = other;
      }
    }
  }
  std::vector<std::pair<int, pid_t>> busiest;  // most often seen running first
  for (const auto& [pid, count] : seen_running) {
    if (2 * count > probe.snapshots) busiest.emplace_back(-count, pid);
  }
  std::sort(busiest.begin(), busiest.end());
  std::vector<std::string> busy;
  for (const auto& [count, pid] : busiest) {
    const ProcessState& p = last_state[pid];
    busy.push_back(p.name + " (pid " + std::to_string(pid) + ", cpu " + std::to_string(p.cpu) +
                   ")");
  }
  if (!busy.empty()) {
    std::string names;
    for (std::size_t i = 0; i < busy.size() && i < 3; ++i) {
      if (i > 0) names += ", ";
      names += busy[i];
    }
    if (busy.size() > 3) names += " and " + std::to_string(busy.size() - 3) + " more";
    out.causes.push_back(std::to_string(busy.size()) +
                         " other busy process(es) on the ranks' CPUs: " + names);
  }

  // Frequency scaling and throttling, where /sys exposes them.
  const fs::path cpu_root = fs::path(probe.sys_root) / "devices/system/cpu";
  std::map<std::string, std::set<int>> governors;
  for (int cpu : cpus) {
    const fs::path dir = cpu_root / ("cpu" + std::to_string(cpu));
    std::string governor = read_text(dir / "cpufreq/scaling_governor");
    governor.erase(std::remove_if(governor.begin(), governor.end(), ::isspace), governor.end());
    if (!governor.empty() && governor != "performance") governors[governor].insert(cpu);
    const std::string count = read_text(dir / "thermal_throttle/core_throttle_count");
    if (!count.empty()) {
      try {
        out.throttle[cpu] = std::stoull(count);
      } catch (const std::exception&) {
      }
    }
  }
  for (const auto& [governor, on] : governors) {
    out.causes.push_back("CPU frequency scaling: governor '" + governor + "' on CPU(s) " +
                         cpu_list_text(on) + " (the 'performance' governor keeps clocks steady)");
  }
  return out;
}

std::vector<std::string> throttling_since(const ThrottleCounts& before,
                                          const ThrottleCounts& after) {
  std::set<int> rose;
  uint64_t events = 0;
  for (const auto& [cpu, count] : after) {
    const auto it = before.find(cpu);
    if (it != before.end() && count > it->second) {
      rose.insert(cpu);
      events += count - it->second;
    }
  }
  if (rose.empty()) return {};
  return {"CPU throttled during the run: " + std::to_string(events) +
          " thermal throttle event(s) on CPU(s) " + cpu_list_text(rose)};
}

}  // namespace collbench
