#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
#include <thread>

#include "core/errors.hpp"
#include "harness/command.hpp"
#include "runtime/mpi_runtime_env.hpp"
#include "runtime/runtime.hpp"

namespace collbench {

std::unique_ptr<Command> make_run_command();
std::unique_ptr<Command> make_compare_command();
std::unique_ptr<Command> make_history_command();
std::unique_ptr<Command> make_report_command();
std::unique_ptr<Command> make_export_command();
std::unique_ptr<Command> make_copy_command();
std::unique_ptr<Command> make_topo_command();
std::unique_ptr<Command> make_model_command();
std::unique_ptr<Command> make_validate_command();

std::vector<std::unique_ptr<Command>> make_commands() {
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(make_run_command());
  commands.push_back(make_compare_command());
  commands.push_back(make_history_command());
  commands.push_back(make_report_command());
  commands.push_back(make_export_command());
  commands.push_back(make_copy_command());
  commands.push_back(make_topo_command());
  commands.push_back(make_model_command());
  commands.push_back(make_validate_command());
  return commands;
}

int run_on_runtime(Runtime& runtime, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    // Every rank reaches the same verdict on the same options; the root says it once.
    if (runtime.is_root()) print_error(e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    print_error(e.what());  // flushed before the abort, which may end this process at once
    runtime.abort(kExitRuntime);
  }
  return kExitRuntime;  // not reached: abort() ends the process
}

std::string join_command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) out.append(i ? " " : "").append(argv[i]);
  return out;
}

void print_error(const std::string& message) {
  std::fprintf(stderr, "collbench: error: %s\n", one_line(message).c_str());
  std::fflush(stderr);
}

void print_command_error(const std::string& command, const std::string& message) {
  static const char* const kRankedCommands[] = {"run", "validate", "topo", "copy"};
  // No command known (a mistyped name): it may be any, so it is treated as one run on ranks.
  const bool ranked = command.empty() ||
                      std::find(std::begin(kRankedCommands), std::end(kRankedCommands), command) !=
                          std::end(kRankedCommands);
  if (ranked && is_nonzero_rank_of_running_job()) {
    // Long enough for rank 0, which parsed the same command line, to print and exit first.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    return;
  }
  print_error(message);
}

}  // namespace collbench
