#pragma once
// CSV with a header line, one row per result record, flushed per row.
#include <cstdio>
#include <memory>
#include <string>

#include "results/record.hpp"

namespace collbench {

class CsvWriter final : public ResultSink {
 public:
  explicit CsvWriter(const std::string& path);
  void begin_run(const nlohmann::json&) override;
  void begin_group(const GroupInfo&) override {}
  void add(const std::vector<ResultRecord>& row) override;
  void end_group() override {}
  void end_run() override {}

 private:
  std::string path_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
};

}  // namespace collbench
