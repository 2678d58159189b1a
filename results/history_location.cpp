#include "results/history_location.hpp"

#include <cstdlib>
#include <filesystem>

#include "core/errors.hpp"

namespace collbench {
namespace {

// An environment variable's value, or empty when unset. Values are untrusted: a path longer than
// any file system accepts is refused rather than passed on.
std::string variable(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return {};
  const std::string text(value);
  if (text.size() > 4096) throw UsageError(std::string(name) + ": longer than 4096 characters");
  if (text.find('\0') != std::string::npos)
    throw UsageError(std::string(name) + ": contains a NUL");
  return text;
}

}  // namespace

std::string default_history_path() {
  std::filesystem::path path(variable(kHistoryDbVariable));
  if (path.empty()) {
    std::filesystem::path data(variable("XDG_DATA_HOME"));
    if (data.empty() || !data.is_absolute()) {
      const std::string home = variable("HOME");
      if (home.empty()) {
        throw UsageError(std::string("no history location: set ") + kHistoryDbVariable +
                         " or HOME, or pass --db");
      }
      data = std::filesystem::path(home) / ".local" / "share";
    }
    path = data / "collbench" / "history.db";
  }
  return std::filesystem::absolute(path).lexically_normal().string();
}

}  // namespace collbench
