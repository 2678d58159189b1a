#include "core/redop.hpp"

#include "core/named_table.hpp"

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
  const RedOpInfo* info = find_by_name(all_redops(), text);
  return info ? std::optional<RedOp>(info->id) : std::nullopt;
}

std::string redop_names() {
  return join_names(all_redops());
}

}  // namespace collbench
