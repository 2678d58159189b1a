#include "results/json_text.hpp"

#include <cmath>
#include <cstdio>

namespace collbench {

std::string json_value_text(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number_float()) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value.get<double>());
    return text;
  }
  // Booleans, objects and arrays; dump() never throws on invalid UTF-8 with `replace`.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_field_text(const nlohmann::json& record, const char* key,
                            const std::string& fallback) {
  if (!record.is_object()) return fallback;
  const auto it = record.find(key);
  return it == record.end() ? fallback : json_value_text(*it);
}

double json_field_number(const nlohmann::json& record, const char* key, double fallback) {
  if (!record.is_object()) return fallback;
  const auto it = record.find(key);
  if (it == record.end() || !it->is_number()) return fallback;
  const double value = it->get<double>();
  return std::isfinite(value) ? value : fallback;
}

int64_t json_field_integer(const nlohmann::json& record, const char* key, int64_t fallback) {
  if (!record.is_object()) return fallback;
  const auto it = record.find(key);
  if (it == record.end()) return fallback;
  if (it->is_number_unsigned()) {
    const uint64_t value = it->get<uint64_t>();
    return value <= static_cast<uint64_t>(INT64_MAX) ? static_cast<int64_t>(value) : fallback;
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) {
    const double value = it->get<double>();
    // +-2^63 are exact doubles: -2^63 is INT64_MIN and fits, 2^63 is one past INT64_MAX.
    if (std::isfinite(value) && value == std::floor(value) && value >= -9.2233720368547758e18 &&
        value < 9.2233720368547758e18)
      return static_cast<int64_t>(value);
  }
  return fallback;
}

}  // namespace collbench
