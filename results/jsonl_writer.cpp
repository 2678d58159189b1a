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

JsonLinesWriter::JsonLinesWriter(const std::string& path) : out_(path) {}

void JsonLinesWriter::write(const nlohmann::json& record) {
  out_.write(record.dump() + "\n");
}

void JsonLinesWriter::begin_run(const nlohmann::json& run_record) {
  write(run_record);
}

void JsonLinesWriter::add(const std::vector<ResultRecord>& row) {
  for (const ResultRecord& record : row) write(to_json(record));
}

void JsonLinesWriter::end_run() {
  out_.commit();
}

}  // namespace collbench
