#pragma once
#include <string>

namespace collbench {
// Writes `content` to a temporary file beside `path` and renames it into place, so readers never
// see a partial file. Throws UsageError naming the path on failure.
void write_file_atomically(const std::string& path, const std::string& content);
}  // namespace collbench
