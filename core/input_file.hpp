#pragma once
// Opening a file named on the command line for reading. A directory opens as an ifstream and then
// fails inside the library on the first read ("basic_filebuf::underflow ... Is a directory", exit
// 3); it is refused here instead, with the path and what was expected of it.
#include <filesystem>
#include <fstream>
#include <string>

#include "core/errors.hpp"

namespace collbench {

// `what` names the file's role for the message, e.g. "cluster file". Throws UsageError.
inline std::ifstream open_input_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError("cannot read " + what + " " + path + ": it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + what + " " + path);
  return in;
}

}  // namespace collbench
