#pragma once
// JSON Lines: one "run" record, then one "result" record per row, each flushed as it is written so
// a killed run leaves a file of complete lines.
#include <cstdio>
#include <memory>
#include <string>

#include "results/record.hpp"

namespace collbench {

class JsonLinesWriter final : public ResultSink {
 public:
  explicit JsonLinesWriter(const std::string& path);  // throws UsageError if it cannot open
  void begin_run(const nlohmann::json& run_record) override;
  void begin_group(const GroupInfo&) override {}
  void add(const std::vector<ResultRecord>& row) override;
  void end_group() override {}
  void end_run() override;
  void write(const nlohmann::json& record);

 private:
  std::string path_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
};

// Creates the parent directories of `path` if needed.
void ensure_parent_directory(const std::string& path);

}  // namespace collbench
