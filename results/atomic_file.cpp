#include "results/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/errors.hpp"
#include "results/jsonl_writer.hpp"

namespace collbench {

void write_file_atomically(const std::string& path, const std::string& content) {
  ensure_parent_directory(path);
  const std::string temp = path + ".tmp." + std::to_string(getpid());
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (!file) throw UsageError("cannot write " + path + ": " + std::strerror(errno));
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed || std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(temp.c_str());
    throw UsageError("cannot write " + path + ": " + why);
  }
}

}  // namespace collbench
