// Fuzz target: the command line. The input is split at NUL bytes into arguments and parsed by
// every subcommand's CLI11 definition (nothing is executed), then by `run`'s own checks
// (validate_run_options), which turn flags into options before any rank starts.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "harness/command.hpp"
#include "harness/run_cli.hpp"
#include "tests/fuzz/fuzz_input_file.hpp"

namespace {

std::vector<std::string> split_arguments(const uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"collbench"};
  std::string current;
  for (std::size_t i = 0; i < size && args.size() < 64; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  if (!current.empty()) args.push_back(current);
  return args;
}

template <typename Body>
void parse(const std::vector<std::string>& args, Body&& after_parse, CLI::App& app) {
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    after_parse();
  } catch (const CLI::ParseError&) {
    // CLI11's own usage errors (main prints them with exit 2), including --help and --version.
  } catch (const collbench::UsageError& e) {
    collbench::fuzz::require_one_line(e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace collbench;
  const std::vector<std::string> args = split_arguments(data, size);
  {
    CLI::App app{"collbench"};
    app.require_subcommand(1);
    std::vector<std::unique_ptr<Command>> commands = make_commands();
    for (auto& command : commands) command->add_to(app);
    parse(
        args, [] {}, app);
  }
  {
    CLI::App app{"collbench"};
    RunFlags flags;
    CLI::App* run = add_run_subcommand(app, flags);
    parse(
        args,
        [&] {
          if (run->parsed()) (void)validate_run_options(flags, *run, "collbench run");
        },
        app);
  }
  return 0;
}
