#include <cstdio>

#include "harness/command.hpp"
#include "harness/mpi_runtime_env.hpp"

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

void print_error(const std::string& message) {
  if (launcher_rank() > 0) return;
  std::fprintf(stderr, "collbench: error: %s\n", message.c_str());
}

}  // namespace collbench
