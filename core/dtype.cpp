#include "core/dtype.hpp"

#include "core/named_table.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace collbench {
namespace {

// Exact limits: integers hold every value up to their maximum, but unsigned types stop one short
// so the all-ones poison pattern can never be an expected value. Floats: 2^(mantissa bits + 1).
// A function-local table: safe to use from other static initialisers (benchmark registration).
const std::array<DTypeInfo, 12>& dtype_table() {
  static const std::array<DTypeInfo, 12> table = {{
      {DType::kInt8, "int8", {"char"}, 1, false, 127, 0},
      {DType::kUint8, "uint8", {}, 1, false, 254, 0},
      {DType::kInt32, "int32", {"int"}, 4, false, 2147483647, 0},
      {DType::kUint32, "uint32", {}, 4, false, 4294967294LL, 0},
      {DType::kInt64, "int64", {}, 8, false, INT64_C(1) << 53, 0},
      {DType::kUint64, "uint64", {}, 8, false, INT64_C(1) << 53, 0},
      {DType::kHalf, "half", {"float16", "fp16"}, 2, true, 2048, 10},
      {DType::kFloat32, "float", {"float32", "fp32"}, 4, true, INT64_C(1) << 24, 23},
      {DType::kFloat64, "double", {"float64", "fp64"}, 8, true, INT64_C(1) << 53, 52},
      {DType::kBFloat16, "bfloat16", {"bf16"}, 2, true, 256, 7},
      {DType::kFp8E4M3, "f8e4m3", {"fp8e4m3", "e4m3"}, 1, true, 16, 3},
      {DType::kFp8E5M2, "f8e5m2", {"fp8e5m2", "e5m2"}, 1, true, 8, 2},
  }};
  return table;
}

}  // namespace

std::span<const DTypeInfo> all_dtypes() {
  return dtype_table();
}

const DTypeInfo& dtype_info(DType id) {
  return dtype_table().at(static_cast<std::size_t>(id));
}

std::optional<DType> parse_dtype(std::string_view text) {
  const DTypeInfo* info = find_by_name(all_dtypes(), text);
  return info ? std::optional<DType>(info->id) : std::nullopt;
}

std::string dtype_names() {
  return join_names(all_dtypes());
}

}  // namespace collbench
