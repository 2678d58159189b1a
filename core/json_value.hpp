#pragma once
// Exact reads of values from untrusted JSON (results, specs, cluster files). An integer target
// takes a JSON integer, or a whole float, only inside its range: 4294967298 is never read as 2
// nor 1.9 as 1. A floating target takes any finite number, a string a string, a bool a bool. On
// failure `why` says what is wrong in words, for a "FILE:LINE: field: why" message.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace collbench {

template <typename T>
std::optional<T> exact_json(const nlohmann::json& value, std::string* why) {
  auto refuse = [&](const std::string& reason) -> std::optional<T> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if constexpr (std::is_same_v<T, std::string>) {
    if (!value.is_string())
      return refuse("must be a string, not " + std::string(value.type_name()));
    return value.get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!value.is_boolean()) return refuse("must be true or false");
    return value.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    using Limits = std::numeric_limits<T>;
    const std::string range = " is out of range (" + std::to_string(Limits::min()) + ".." +
                              std::to_string(Limits::max()) + ")";
    if (value.is_number_unsigned()) {
      const uint64_t v = value.get<uint64_t>();
      if (v > static_cast<uint64_t>(Limits::max())) return refuse(std::to_string(v) + range);
      return static_cast<T>(v);
    }
    if (value.is_number_integer()) {
      const int64_t v = value.get<int64_t>();
      if (v < static_cast<int64_t>(Limits::min()) ||
          (v > 0 && static_cast<uint64_t>(v) > static_cast<uint64_t>(Limits::max())))
        return refuse(std::to_string(v) + range);
      return static_cast<T>(v);
    }
    if (value.is_number_float()) {
      const double v = value.get<double>();
      if (!std::isfinite(v) || v != std::floor(v))
        return refuse("must be a whole number, not " + value.dump());
      // Both bounds as doubles: min is a power of two (exact), max + 1 is one too.
      if (v < static_cast<double>(Limits::min()) ||
          v >= 2.0 * static_cast<double>(Limits::max() / 2 + 1))
        return refuse(value.dump() + range);
      return static_cast<T>(v);
    }
    return refuse("must be an integer, not " + std::string(value.type_name()));
  } else {
    static_assert(std::is_floating_point_v<T>);
    if (!value.is_number())
      return refuse("must be a number, not " + std::string(value.type_name()));
    const double v = value.get<double>();
    if (!std::isfinite(v)) return refuse("must be finite");
    return static_cast<T>(v);
  }
}

// A JSON library error as a reason without the library's "[json.exception...] " prefix, and with
// control characters (which would cut or split the one error line) shown as '?'.
inline std::string json_error_reason(const std::exception& e) {
  std::string text = e.what();
  if (text.rfind("[json.exception.", 0) == 0) {
    const std::size_t end = text.find("] ");
    if (end != std::string::npos) text.erase(0, end + 2);
  }
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

}  // namespace collbench
