#pragma once
// Reduction operators. Adding one: an enumerator, a row in redop_table() (redop.cpp), its
// closed-form expectation in pattern.hpp and its combine step in apply_redop() below.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/host_device.hpp"

namespace collbench {

enum class RedOp : uint8_t { kSum, kProd, kMax, kMin, kAvg };

struct RedOpInfo {
  RedOp id;
  std::string_view name;
};

std::span<const RedOpInfo> all_redops();
const RedOpInfo& redop_info(RedOp id);
std::optional<RedOp> parse_redop(std::string_view text);
std::string redop_names();

// One combine step in the arithmetic of float (for 8/16-bit floats) or of T itself. `avg` sums
// here; the division by the rank count happens once, at the end of the reduction.
template <typename T, typename Acc>
CB_HD Acc apply_redop(RedOp op, Acc a, Acc b) {
  switch (op) {
    case RedOp::kSum:
    case RedOp::kAvg:
      return static_cast<Acc>(a + b);
    case RedOp::kProd:
      return static_cast<Acc>(a * b);
    case RedOp::kMax:
      return a < b ? b : a;
    case RedOp::kMin:
      return b < a ? b : a;
  }
  return a;
}

}  // namespace collbench
