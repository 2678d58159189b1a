#pragma once
// Message sizes: parsing "64M"-style values and the sweep between -b and -e, with nccl-tests'
// rules (multiply by -f when it is > 1, else add -i).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_units.hpp"  // format_bytes, for the sweep's users

namespace collbench {

// Parses a size in bytes with an optional binary suffix K, M, G or T (case-insensitive, an
// optional trailing B or iB): "8", "1K", "16M", "1.5G". Throws UsageError naming `flag`.
int64_t parse_size(std::string_view text, std::string_view flag);

struct SweepSpec {
  int64_t min_bytes = 8;
  int64_t max_bytes = 64 << 20;
  int64_t step_factor = 2;       // > 1: geometric
  int64_t step_bytes = 1 << 20;  // used when step_factor <= 1
};

inline constexpr std::size_t kMaxSweepSizes = 10000;

// The sizes of a sweep, in bytes; throws UsageError for min > max or a sweep too long to print.
std::vector<int64_t> sweep_sizes(const SweepSpec& spec);

}  // namespace collbench
