#pragma once
// nccl-tests' table on a stream: same columns, widths, units and closing lines, so existing
// parsers of nccl-tests output read ours. A short header of '#' lines comes first.
#include <cstdio>
#include <string>

#include "results/record.hpp"

namespace collbench {

class TablePrinter final : public ResultSink {
 public:
  explicit TablePrinter(std::FILE* out) : out_(out) {}
  void begin_run(const nlohmann::json& run_record) override;
  void begin_group(const GroupInfo& group) override;
  void add(const std::vector<ResultRecord>& row) override;
  void end_group() override;
  void end_run() override;

 private:
  std::FILE* out_;
  GroupInfo group_;
  int64_t wrong_total_ = 0;
  int64_t checked_rows_ = 0;  // rows of this group that were verified
  double busbw_sum_ = 0;
  int busbw_count_ = 0;
  int unstable_rows_ = 0;  // this group's rows marked "~ unstable"
};

// nccl-tests' number formatting: as many decimals as fit the column.
std::string format_fixed_width(double value, int width);

}  // namespace collbench
