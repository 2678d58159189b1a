#pragma once
// A subcommand of the collbench binary. Each command registers its CLI11 options and runs when
// chosen; commands.cpp lists them, so a new command is one class and one line.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <vector>

namespace collbench {

class Command {
 public:
  virtual ~Command() = default;
  virtual CLI::App* add_to(CLI::App& app) = 0;
  // Runs the command; argc/argv are the process's, for MPI_Init. Returns the exit code.
  virtual int execute(int argc, char** argv) = 0;
};

std::vector<std::unique_ptr<Command>> make_commands();

class Runtime;
// Runs `body` on a started runtime with the error policy every measuring command shares: a
// UsageError (the same on every rank) is said once by the root and exits 2; any other failure
// is printed by the rank that saw it and ends the whole job with exit 3.
int run_on_runtime(Runtime& runtime, const std::function<int()>& body);

// The process's command line as one string, for run records.
std::string join_command_line(int argc, char** argv);

// Prints "collbench: error: <message>" as one line (control characters shown as \xNN, so a NUL
// cannot cut it short) and flushes it at once.
void print_error(const std::string& message);

// An error of `command` found before its runtime starts. Commands that run as every rank of a
// job (run, validate, topo, copy) say it once: rank 0 prints, ranks 1 and above of a running job
// stay quiet and wait a moment first, so that the launcher, which ends the job when a process
// exits non-zero, cannot kill rank 0 before its line is out. Any other command always prints.
void print_command_error(const std::string& command, const std::string& message);

}  // namespace collbench
