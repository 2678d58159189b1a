#include <cstdio>

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
    std::fprintf(stderr, "collbench: error: %s\n", e.what());
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
  if (launcher_rank() > 0) return;
  std::fprintf(stderr, "collbench: error: %s\n", message.c_str());
}

}  // namespace collbench
