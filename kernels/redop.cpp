#include "kernels/redop.hpp"

#include <array>

namespace collbench {
namespace {
// A function-local table: safe to use from other static initialisers (benchmark registration).
const std::array<RedOpInfo, 5>& redop_table() {
  static const std::array<RedOpInfo, 5> table = {{
      {RedOp::kSum, "sum"},
      {RedOp::kProd, "prod"},
      {RedOp::kMax, "max"},
      {RedOp::kMin, "min"},
      {RedOp::kAvg, "avg"},
  }};
  return table;
}
}  // namespace

std::span<const RedOpInfo> all_redops() {
  return redop_table();
}
const RedOpInfo& redop_info(RedOp id) {
  return redop_table().at(static_cast<std::size_t>(id));
}

std::optional<RedOp> parse_redop(std::string_view text) {
  for (const RedOpInfo& info : redop_table()) {
    if (info.name == text) return info.id;
  }
  return std::nullopt;
}

std::string redop_names() {
  std::string out;
  for (const RedOpInfo& info : redop_table()) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

}  // namespace collbench
