#pragma once
// JSON Lines: one "run" record, then one "result" record per row, each flushed as it is written so
// a killed run leaves a file of complete lines. A streamed output (results/atomic_file.hpp): the
// lines go to PATH.partial, renamed to PATH by end_run().
#include <cstdio>
#include <memory>
#include <string>

#include "results/atomic_file.hpp"
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
  StreamedOutput out_;
};

// Creates the parent directories of `path` if needed.
void ensure_parent_directory(const std::string& path);

}  // namespace collbench
