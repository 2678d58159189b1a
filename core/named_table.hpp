#pragma once
// Lookup by name in collbench's tables (datatypes, ops, collectives): case-insensitive, over the
// row's canonical name and, when the row has them, its aliases.
#include <algorithm>
#include <cctype>
#include <span>
#include <string>
#include <string_view>

namespace collbench {

inline std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

template <typename Row>
const Row* find_by_name(std::span<const Row> rows, std::string_view text) {
  const std::string key = lowercase(text);
  for (const Row& row : rows) {
    if (row.name == key) return &row;
    if constexpr (requires { row.aliases; }) {
      for (std::string_view alias : row.aliases) {
        if (alias == key) return &row;
      }
    }
  }
  return nullptr;
}

// "a, b, c": the canonical names, for help texts and error messages.
template <typename Row>
std::string join_names(std::span<const Row> rows) {
  std::string out;
  for (const Row& row : rows) {
    if (!out.empty()) out += ", ";
    out += row.name;
  }
  return out;
}

}  // namespace collbench
