#pragma once
// What makes host timings unreliable, as seen from one node: more ranks than CPUs, other
// processes running on the CPUs the ranks may use, CPU frequency scaling, and thermal throttling.
// Read from /proc and /sys (a root path makes the reader testable on a saved tree); each cause is
// one line for the run header and the run record.
#include <sys/types.h>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace collbench {

struct ContentionProbe {
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
  pid_t self = 0;         // this process (0: getpid())
  int ranks_on_node = 1;  // the run's ranks on this node
  int snapshots = 5;      // looks at the process table, this many ...
  int interval_ms = 20;   // ... this far apart
};

// Per CPU, the thermal throttle count where /sys has one (compared before and after a run).
using ThrottleCounts = std::map<int, uint64_t>;

struct HostContention {
  std::vector<std::string> causes;  // one line each
  ThrottleCounts throttle;          // at the time of the probe
};

// The CPUs this process and its sibling ranks (same parent, same executable) may run on, and
// the causes found there. Never throws: an unreadable file is a cause not checked.
HostContention probe_host_contention(const ContentionProbe& probe);

// "CPU throttled during the run: ..." lines for CPUs whose count rose between two probes.
std::vector<std::string> throttling_since(const ThrottleCounts& before,
                                          const ThrottleCounts& after);

// The value of `key` ("Cpus_allowed_list") in a /proc/PID/status file, nullopt when absent.
std::optional<std::string> proc_status_field(const std::string& status_path,
                                             const std::string& key);

// "0-3,8" -> {0, 1, 2, 3, 8}; empty on a malformed list.
std::set<int> parse_cpu_list(const std::string& text);
// {0, 1, 2, 3, 8} -> "0-3,8", the kernel's list format.
std::string cpu_list_text(const std::set<int>& cpus);

}  // namespace collbench
