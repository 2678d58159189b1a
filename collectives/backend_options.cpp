#include "collectives/backend_options.hpp"

#include <charconv>

namespace collbench {

std::optional<std::string> check_whole_number(const std::string& value, int64_t min, int64_t max) {
  int64_t parsed = 0;
  const char* end = value.data() + value.size();
  const auto [stop, error] = std::from_chars(value.data(), end, parsed);
  if (value.empty() || error != std::errc() || stop != end) {
    return "'" + value + "' is not a whole number";
  }
  if (parsed < min || parsed > max) {
    return std::to_string(parsed) + " is outside " + std::to_string(min) + ".." +
           std::to_string(max);
  }
  return std::nullopt;
}

void BackendOptionValues::set(std::string_view name, std::string value, bool on_command_line) {
  values_[std::string(name)] = std::move(value);
  if (on_command_line) flags_.emplace_back(name);
}

std::string BackendOptionValues::text(const BackendOption& option) const {
  const auto it = values_.find(option.name);
  return it == values_.end() ? std::string(option.default_value) : it->second;
}

int64_t BackendOptionValues::integer(const BackendOption& option) const {
  const std::string value = text(option);
  int64_t parsed = 0;
  std::from_chars(value.data(), value.data() + value.size(), parsed);
  return parsed;
}

bool declares(std::span<const BackendOption> options, std::string_view name) {
  for (const BackendOption& option : options) {
    if (option.name == name) return true;
  }
  return false;
}

}  // namespace collbench
