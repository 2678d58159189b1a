// collbench: collective-communication benchmarks. main() only dispatches to a subcommand.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "core/errors.hpp"
#include "core/version.hpp"
#include "harness/command.hpp"
#include "runtime/mpi_runtime_env.hpp"

int main(int argc, char** argv) {
  using namespace collbench;
  CLI::App app{"collbench: verified, comparable collective-communication benchmarks"};
  app.set_version_flag("--version",
                       std::string("collbench ") + kVersion + " (" + kGitRevision + ")");
  app.require_subcommand(1);
  std::vector<std::unique_ptr<Command>> commands = make_commands();
  std::vector<std::pair<CLI::App*, Command*>> chosen;
  for (auto& command : commands) chosen.emplace_back(command->add_to(app), command.get());
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // app.help() already is the help of the deepest subcommand given; under mpirun or srun only
    // the first rank prints it, so N ranks do not print it N times.
    if (!is_nonzero_rank_of_running_job()) std::fputs(app.help().c_str(), stdout);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    if (!is_nonzero_rank_of_running_job()) {
      std::printf("collbench %s (%s)\n", kVersion, kGitRevision);
    }
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    std::string command;
    for (auto& [sub, unused] : chosen) {
      if (sub->parsed()) command = sub->get_name();
    }
    print_command_error(command, std::string(e.what()) + " (see collbench --help)");
    return kExitUsage;
  }
  for (auto& [sub, command] : chosen) {
    if (sub->parsed()) {
      try {
        return command->execute(argc, argv);
      } catch (const UsageError& e) {
        print_command_error(sub->get_name(), e.what());
        return kExitUsage;
      } catch (const std::exception& e) {
        print_error(e.what());  // a failure may be this rank's alone: every rank says its own
        return kExitRuntime;
      }
    }
  }
  return kExitUsage;
}
