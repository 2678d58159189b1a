#include "kernels/redop.hpp"

#include <array>

namespace collbench {
namespace {
const std::array<RedOpInfo, 5> kRedOpTable = {{
    {RedOp::kSum, "sum"},
    {RedOp::kProd, "prod"},
    {RedOp::kMax, "max"},
    {RedOp::kMin, "min"},
    {RedOp::kAvg, "avg"},
}};
}  // namespace

std::span<const RedOpInfo> all_redops() { return kRedOpTable; }
const RedOpInfo& redop_info(RedOp id) { return kRedOpTable.at(static_cast<std::size_t>(id)); }

std::optional<RedOp> parse_redop(std::string_view text) {
  for (const RedOpInfo& info : kRedOpTable) {
    if (info.name == text) return info.id;
  }
  return std::nullopt;
}

std::string redop_names() {
  std::string out;
  for (const RedOpInfo& info : kRedOpTable) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

}  // namespace collbench
