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

// A message as one printable line: control characters (a NUL or newline from a file) become
// \xNN, since what() is a C string that a NUL would cut short and a newline would split.
inline std::string one_line(const std::string& message) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(one_line(message)) {}
};

class RuntimeFailure : public std::runtime_error {
 public:
  explicit RuntimeFailure(const std::string& message) : std::runtime_error(one_line(message)) {}
};

// Who is speaking, for error messages: "rank 3 on node17".
struct Identity {
  int rank = 0;
  int size = 1;
  std::string host;
  std::string describe() const { return "rank " + std::to_string(rank) + " on " + host; }
};

}  // namespace collbench
