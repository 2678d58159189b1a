#pragma once
// CSV with a header line, one row per result record, flushed per row. A streamed output
// (results/atomic_file.hpp): PATH.partial until end_run() renames it to PATH.
#include <cstdio>
#include <memory>
#include <string>

#include "results/atomic_file.hpp"
#include "results/record.hpp"

namespace collbench {

class CsvWriter final : public ResultSink {
 public:
  explicit CsvWriter(const std::string& path);
  void begin_run(const nlohmann::json&) override;
  void begin_group(const GroupInfo&) override {}
  void add(const std::vector<ResultRecord>& row) override;
  void end_group() override {}
  void end_run() override { out_.commit(); }

 private:
  StreamedOutput out_;
};

}  // namespace collbench
