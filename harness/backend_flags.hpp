#pragma once
// The options backends declare (collectives/backend_options.hpp), on a subcommand's command line:
// added once each, checked before any rank starts, handed to the backend in BackendConfig.
#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "collectives/backend_options.hpp"

namespace collbench {

// What was typed, by option name; storage for CLI11 (nodes of a map do not move).
using BackendFlagText = std::map<std::string, std::string>;

// Adds every backend's options to `command`, except names the command already has (validate's
// own --ranks-per-node). Hidden options (test hooks) stay out of --help.
void add_backend_flags(CLI::App& command, BackendFlagText& text);

// The values given on the command line, and the environment defaults of options not given; each
// checked by its option. Throws UsageError naming the flag (or variable) and the reason.
BackendOptionValues backend_option_values(const CLI::App& command, const BackendFlagText& text);

}  // namespace collbench
