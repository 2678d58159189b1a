#pragma once
// Settings a backend declares for itself (`--algo`, `--ranks-per-node`, ...). Each backend's
// registry row lists its options; the run and validate commands add every declared option to
// their command line once, so a new backend's settings never touch the harness. Values reach the
// backend as text in BackendConfig::options and are read through the option that declared them.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace collbench {

struct BackendOption {
  std::string_view name;  // the long flag without dashes: "algo"
  std::string_view help;
  std::string_view default_value;
  // An environment variable that sets the value when the flag is not given ("" if none), read
  // once while the command line is checked.
  std::string_view environment = "";
  bool hidden = false;  // test hooks stay out of --help
  // Why `value` is not valid (nullopt: valid). Runs before any rank starts.
  std::optional<std::string> (*check)(const std::string& value) = nullptr;
};

// Checks shared by options: a whole number in [min, max].
std::optional<std::string> check_whole_number(const std::string& value, int64_t min, int64_t max);

// The values given on the command line (or by an option's environment variable), by name.
class BackendOptionValues {
 public:
  // `on_command_line`: given as a flag (a backend that does not declare it refuses the run),
  // else from the option's environment variable (ignored by backends that do not declare it).
  void set(std::string_view name, std::string value, bool on_command_line);
  // The names given as flags.
  std::span<const std::string> on_command_line() const { return flags_; }

  // The value of `option`, or its default.
  std::string text(const BackendOption& option) const;
  // The value as an integer; the option's check has already refused what does not parse.
  int64_t integer(const BackendOption& option) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> flags_;
};

// Whether `options` declares `name`.
bool declares(std::span<const BackendOption> options, std::string_view name);

}  // namespace collbench
