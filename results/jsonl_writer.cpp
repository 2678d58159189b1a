#include "results/jsonl_writer.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"

namespace collbench {

void ensure_parent_directory(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) throw UsageError("cannot create directory " + parent.string() + ": " + ec.message());
}

JsonLinesWriter::JsonLinesWriter(const std::string& path)
    : path_(path), file_(nullptr, std::fclose) {
  ensure_parent_directory(path);
  file_.reset(std::fopen(path.c_str(), "w"));
  if (!file_) throw UsageError("cannot write " + path + ": " + std::strerror(errno));
}

void JsonLinesWriter::write(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size() ||
      std::fflush(file_.get()) != 0) {
    throw RuntimeFailure("writing " + path_ + " failed: " + std::strerror(errno));
  }
}

void JsonLinesWriter::begin_run(const nlohmann::json& run_record) {
  write(run_record);
}

void JsonLinesWriter::add(const std::vector<ResultRecord>& row) {
  for (const ResultRecord& record : row) write(to_json(record));
}

void JsonLinesWriter::end_run() {
  std::fflush(file_.get());
}

}  // namespace collbench
