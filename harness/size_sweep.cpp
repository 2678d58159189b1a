#include "harness/size_sweep.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/errors.hpp"

namespace collbench {

int64_t parse_size(std::string_view text, std::string_view flag) {
  const std::string shown(text);
  auto fail = [&](const std::string& why) -> UsageError {
    return UsageError("invalid size '" + shown + "' for " + std::string(flag) + ": " + why);
  };
  std::string_view rest = text;
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
    rest.remove_prefix(1);
  if (rest.empty()) throw fail("empty");
  if (rest.front() == '-') throw fail("must be positive");
  std::size_t digits = 0;
  while (digits < rest.size() &&
         (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) throw fail("expected a number with an optional K, M, G or T suffix");
  const std::string number(rest.substr(0, digits));
  std::string suffix(rest.substr(digits));
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double multiplier = 1;
  if (!suffix.empty() && std::string("KMGT").find(suffix[0]) != std::string::npos) {
    multiplier = std::ldexp(1.0, 10 * (1 + static_cast<int>(std::string("KMGT").find(suffix[0]))));
    suffix.erase(0, 1);
    if (suffix == "IB" || suffix == "B") suffix.clear();
  } else if (suffix == "B") {
    suffix.clear();
  }
  if (!suffix.empty()) throw fail("unknown suffix (use K, M, G or T)");
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) {
    throw fail("not a number");
  }
  const double bytes = value * multiplier;
  if (!(bytes < std::ldexp(1.0, 62))) throw fail("too large (overflows 64-bit byte counts)");
  if (bytes < 1) throw fail("must be at least 1 byte");
  if (bytes != std::floor(bytes)) throw fail("not a whole number of bytes");
  return static_cast<int64_t>(bytes);
}

std::vector<int64_t> sweep_sizes(const SweepSpec& spec) {
  if (spec.min_bytes > spec.max_bytes) {
    throw UsageError("invalid sizes: minbytes (" + std::to_string(spec.min_bytes) +
                     ") > maxbytes (" + std::to_string(spec.max_bytes) + ")");
  }
  if (spec.step_factor <= 1 && spec.step_bytes <= 0) {
    throw UsageError("invalid step: -i/--stepbytes must be positive when -f/--stepfactor is 1");
  }
  std::vector<int64_t> sizes;
  for (int64_t size = spec.min_bytes; size <= spec.max_bytes;) {
    sizes.push_back(size);
    if (sizes.size() > kMaxSweepSizes) {
      throw UsageError("the sweep has more than " + std::to_string(kMaxSweepSizes) +
                       " sizes: raise -f/--stepfactor or -i/--stepbytes");
    }
    const int64_t next = spec.step_factor > 1 ? size * spec.step_factor : size + spec.step_bytes;
    if (next <= size) break;  // overflow guard
    size = next;
  }
  return sizes;
}

}  // namespace collbench
