#include "harness/backend_flags.hpp"

#include <cstdlib>

#include "collectives/backend.hpp"
#include "core/errors.hpp"

namespace collbench {

void add_backend_flags(CLI::App& command, BackendFlagText& text) {
  for (const BackendOption* option : all_backend_options()) {
    const std::string flag = "--" + std::string(option->name);
    if (command.get_option_no_throw(flag) != nullptr) continue;
    std::string help(option->help);
    if (!option->environment.empty()) help += " [env " + std::string(option->environment) + "]";
    CLI::Option* added = command.add_option(flag, text[std::string(option->name)], help);
    if (option->hidden) added->group("");
  }
}

BackendOptionValues backend_option_values(const CLI::App& command, const BackendFlagText& text) {
  BackendOptionValues values;
  for (const BackendOption* option : all_backend_options()) {
    const std::string name(option->name);
    const std::string flag = "--" + name;
    const CLI::Option* given = command.get_option_no_throw(flag);
    const auto typed = text.find(name);
    if (given != nullptr && given->count() > 0 && typed != text.end()) {
      if (option->check != nullptr) {
        if (auto why = option->check(typed->second)) {
          throw UsageError("invalid " + flag + " " + typed->second + ": " + *why);
        }
      }
      values.set(name, typed->second, true);
      continue;
    }
    if (option->environment.empty()) continue;
    const std::string variable(option->environment);
    if (const char* from_environment = std::getenv(variable.c_str())) {
      if (option->check != nullptr) {
        if (auto why = option->check(from_environment)) {
          throw UsageError("invalid " + variable + "='" + from_environment + "': " + *why);
        }
      }
      values.set(name, from_environment, false);
    }
  }
  return values;
}

}  // namespace collbench
