#pragma once
// Exit codes and the exceptions that carry them to main(). Messages are one line and name the
// rank, host and call where one failed.
#include <stdexcept>
#include <string>

namespace collbench {

enum ExitCode : int {
  kExitOk = 0,
  kExitWrongData = 1,  // a verified operation produced wrong elements
  kExitUsage = 2,      // bad command line or input file
  kExitRuntime = 3,    // a library call failed, or a wait timed out
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RuntimeFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Who is speaking, for error messages: "rank 3 on node17".
struct Identity {
  int rank = 0;
  int size = 1;
  std::string host;
  std::string describe() const { return "rank " + std::to_string(rank) + " on " + host; }
};

}  // namespace collbench
