#pragma once
// The element types collbench measures. Adding a type means one enumerator, one row in
// dtype_table() (dtype.cpp) and one line in for_dtype(); everything else reads the table.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/host_device.hpp"
#include "core/numeric_types.hpp"

namespace collbench {

enum class DType : uint8_t {
  kInt8,
  kUint8,
  kInt32,
  kUint32,
  kInt64,
  kUint64,
  kHalf,
  kFloat32,
  kFloat64,
  kBFloat16,
  kFp8E4M3,
  kFp8E5M2,
};

struct DTypeInfo {
  DType id;
  std::string_view name;                  // nccl-tests' spelling, used in tables and JSON
  std::vector<std::string_view> aliases;  // other spellings accepted on the command line
  std::size_t size;
  bool is_float;
  // Largest integer N such that every integer in [0, N] is exactly representable: patterns and
  // partial sums stay below it, so results are exact whatever the reduction order.
  int64_t exact_limit;
  int mantissa_bits;  // for the documented tolerance of `avg`, 0 for integers
};

std::span<const DTypeInfo> all_dtypes();
const DTypeInfo& dtype_info(DType id);
std::optional<DType> parse_dtype(std::string_view text);
std::string dtype_names();  // "int8, uint8, ..." for error messages

// Calls fn.template operator()<T>() with T the C++ storage type of `id`: the one place that maps
// the enumeration onto types, so generic host code is written once per algorithm, not per type.
template <typename Fn>
decltype(auto) for_dtype(DType id, Fn&& fn) {
  switch (id) {
    case DType::kInt8:
      return fn.template operator()<int8_t>();
    case DType::kUint8:
      return fn.template operator()<uint8_t>();
    case DType::kInt32:
      return fn.template operator()<int32_t>();
    case DType::kUint32:
      return fn.template operator()<uint32_t>();
    case DType::kInt64:
      return fn.template operator()<int64_t>();
    case DType::kUint64:
      return fn.template operator()<uint64_t>();
    case DType::kHalf:
      return fn.template operator()<Half>();
    case DType::kFloat32:
      return fn.template operator()<float>();
    case DType::kFloat64:
      return fn.template operator()<double>();
    case DType::kBFloat16:
      return fn.template operator()<BFloat16>();
    case DType::kFp8E4M3:
      return fn.template operator()<Fp8E4M3>();
    case DType::kFp8E5M2:
      return fn.template operator()<Fp8E5M2>();
  }
  return fn.template operator()<float>();  // unreachable: every enumerator is handled above
}

// Exact conversions between small integer codes and elements (see pattern.hpp).
template <typename T>
CB_HD T element_from_code(int64_t code) {
  if constexpr (std::is_arithmetic_v<T>) {
    return static_cast<T>(code);
  } else {
    return T(static_cast<float>(code));
  }
}

template <typename T>
CB_HD double element_to_double(T value) {
  if constexpr (std::is_arithmetic_v<T>) {
    return static_cast<double>(value);
  } else {
    return static_cast<double>(static_cast<float>(value));
  }
}

}  // namespace collbench
