#include "harness/sweep_memory.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "collectives/collective.hpp"
#include "core/dtype.hpp"
#include "core/errors.hpp"
#include "harness/size_sweep.hpp"
#include "runtime/runtime.hpp"

namespace collbench {

int64_t sweep_host_bytes_per_rank(const RunOptions& options, int nranks) {
  const std::vector<int64_t> sizes = sweep_sizes(options.sweep);
  int64_t most = 0;
  for (Collective collective : options.collectives) {
    const CollectiveSpec& spec = collective_spec(collective);
    for (DType dtype : options.dtypes) {
      const auto elt = static_cast<int64_t>(dtype_info(dtype).size);
      int64_t send_max = 0, recv_max = 0;
      for (int64_t bytes : sizes) {
        const BufferLayout layout = spec.layout(bytes / elt, dtype_info(dtype).size, nranks);
        send_max = std::max(send_max, layout.send_count);
        recv_max = std::max(recv_max, layout.recv_count);
      }
      // Counts are bounded by the sweep's checked sizes times the rank count; in double, so an
      // absurd request reads as huge rather than wrapping.
      const double bytes =
          (static_cast<double>(send_max) + static_cast<double>(std::max(send_max, recv_max))) *
          static_cast<double>(elt);
      most = std::max(
          most, bytes >= 9e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(bytes));
    }
  }
  return most;
}

std::optional<int64_t> available_host_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (!line.starts_with("MemAvailable:")) continue;
    std::istringstream fields(line.substr(13));
    int64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

void require_host_memory_for_sweep(const RunOptions& options, Runtime& runtime, int local_ranks,
                                   int nranks, const std::string& what, const std::string& remedy) {
  if (options.backend_config.memory != MemoryKind::kHost) return;
  int ranks_here = 1;
  for (const HostEntry& host : runtime.hosts()) {
    if (host.name == runtime.identity().host) ranks_here = std::max(1, host.ranks);
  }
  const int64_t per_rank = sweep_host_bytes_per_rank(options, nranks);
  const double needed = static_cast<double>(per_rank) * ranks_here * local_ranks;
  const std::optional<int64_t> available = available_host_memory();
  const bool short_here = available && needed > static_cast<double>(*available);
  // Every rank learns whether any node falls short, and the numbers of the worst one.
  constexpr double kNone = std::numeric_limits<double>::max();
  SyncValues mine;
  mine.max[0] = short_here ? 1 : 0;
  mine.max[1] = short_here ? needed : 0;
  mine.min[2] = short_here ? static_cast<double>(*available) : kNone;
  const SyncValues all = runtime.sync(mine, "start-up (checking host memory)");
  if (all.max[0] == 0) return;
  const auto text = [](double bytes) {
    static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int unit = 0;
    while (unit < 6 && bytes >= 1024) {
      bytes /= 1024;
      ++unit;
    }
    char out[32];
    std::snprintf(out, sizeof out, unit ? "%.1f %s" : "%.0f %s", bytes, kUnits[unit]);
    return std::string(out);
  };
  throw UsageError(
      (what.empty() ? "the sweep up to -e " + text(static_cast<double>(options.sweep.max_bytes))
                    : what) +
      " needs " + text(all.max[1]) + " of host memory on a node (" +
      text(static_cast<double>(per_rank)) +
      " per rank for its send and receive buffers), but only " + text(all.min[2]) +
      " is available there (MemAvailable); " + (remedy.empty() ? "lower -e/--maxbytes" : remedy));
}

}  // namespace collbench
