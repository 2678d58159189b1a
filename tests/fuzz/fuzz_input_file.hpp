#pragma once
// Fuzz input as a file the parsers can open by path: an anonymous in-memory file (memfd), read
// through /proc/self/fd. The parsers' public entry points take paths, so they are fuzzed exactly
// as the commands call them, and nothing is written to disk.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace collbench::fuzz {

class InputFile {
 public:
  InputFile(const uint8_t* data, std::size_t size) : fd_(memfd_create("fuzz-input", 0)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) throw std::runtime_error("write to memfd failed");
      done += static_cast<std::size_t>(n);
    }
  }
  ~InputFile() { ::close(fd_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// A parser's error must be one printable line: a NUL or newline inside it would cut the line
// short or split it on the terminal and in logs. Traps (a finding) otherwise.
inline void require_one_line(const std::string& message) {
  if (message.empty()) __builtin_trap();
  for (char c : message) {
    if (c == '\0' || c == '\n' || c == '\r') __builtin_trap();
  }
}

}  // namespace collbench::fuzz
