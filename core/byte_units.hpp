#pragma once
// Sizes as people read them in tables and messages: "64 KiB", "8 B", "1536 B" (binary units, and
// only where the size is a whole number of them, so the label is exact).
#include <cstdint>
#include <string>

namespace collbench {

inline std::string format_bytes(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + " " + kUnits[unit];
}

}  // namespace collbench
