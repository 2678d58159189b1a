#pragma once
// Whether a sweep's buffers fit in host memory, checked before anything is allocated: `-e 1T`
// must be refused with the size and the memory available (exit 2), not end in std::bad_alloc on
// every rank and the launcher's abort banner.
#include <cstdint>
#include <optional>
#include <string>

#include "harness/run_options.hpp"

namespace collbench {

class Runtime;

// Host bytes one rank allocates for the largest configuration of the sweep: the send buffer and
// the receive buffer of the largest size, as Measurement::run_group allocates them. A lower bound:
// a backend may add its own (shared windows, staging).
int64_t sweep_host_bytes_per_rank(const RunOptions& options, int nranks);

// MemAvailable of /proc/meminfo in bytes; nullopt where it cannot be read.
std::optional<int64_t> available_host_memory();

// Throws UsageError on every rank when the ranks of any node would need more host memory than
// that node has available, naming the sizes. A no-op for device memory (checked by the GPU
// backends as they allocate). `local_ranks`: ranks each process drives. `what` names the
// request in the message (default: "the sweep up to -e SIZE"), `remedy` says what to change
// (default: "lower -e/--maxbytes").
void require_host_memory_for_sweep(const RunOptions& options, Runtime& runtime, int local_ranks,
                                   int nranks, const std::string& what = "",
                                   const std::string& remedy = "");

}  // namespace collbench
