#pragma once
// What a measurement produces, independent of how it is written. The JSON form of these records
// is the versioned schema in results/schema/ (docs/results-schema.md).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/stability.hpp"

namespace collbench {

inline constexpr int kSchemaVersion = 1;

// One collective x datatype x op x root x size x placement.
struct ResultRecord {
  std::string collective;
  std::string backend;
  std::string dtype;
  std::string redop;  // "none" for collectives that do not reduce
  int root = -1;      // -1 for collectives without a root
  int64_t bytes = 0;  // nccl-tests' size column
  int64_t count = 0;  // nccl-tests' count column
  int nranks = 1;
  bool inplace = false;
  std::string memory = "host";
  int iters = 0;
  int warmup_iters = 0;
  int repeat = 0;
  int cycle = 0;
  std::string timing = "max";  // which rank's time: rank0, avg, min or max
  double time_us = 0;          // median over samples
  double time_us_min = 0;
  double time_us_max = 0;
  std::vector<double> samples_us;   // per sample, in order
  double fastest_rank_time_us = 0;  // median over samples of the fastest rank's time
  double algbw_GBps = 0;
  double busbw_GBps = 0;
  double bus_factor = 1;
  int64_t wrong = -1;       // -1 when not verified (-c 0)
  double ceiling_GBps = 0;  // 0 when no ceiling is known
  std::string algorithm;    // the backend's own algorithm for this size ("" when a library picks)
  Stability stability;      // of samples_us (core/stability.hpp)
};

nlohmann::json to_json(const ResultRecord& record);

// Where records go: the table on stdout, JSON Lines, CSV. The harness calls these in order:
// begin_run once, then per collective group begin_group, add per row (out-of-place and in-place
// rows of one size arrive together), end_group, and end_run.
struct GroupInfo {
  std::string collective;
  std::string dtype;
  std::string redop;
  int root = -1;
  bool out_of_place = true;
  bool inplace = true;
  double ceiling_GBps = 0;  // > 0 adds an efficiency column
  // Why the in-place placement was asked for but not measured (Backend::inplace_unsupported);
  // empty when nothing was skipped.
  std::string inplace_skipped;
};

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void begin_run(const nlohmann::json& run_record) = 0;
  virtual void begin_group(const GroupInfo& group) = 0;
  // One size: the out-of-place and/or in-place records.
  virtual void add(const std::vector<ResultRecord>& row) = 0;
  virtual void end_group() = 0;
  virtual void end_run() = 0;
};

// Keeps the records in memory, for code that measures and then decides (validate, tests).
class RecordCollector final : public ResultSink {
 public:
  void begin_run(const nlohmann::json&) override {}
  void begin_group(const GroupInfo&) override {}
  void add(const std::vector<ResultRecord>& row) override {
    records.insert(records.end(), row.begin(), row.end());
  }
  void end_group() override {}
  void end_run() override {}
  std::vector<ResultRecord> records;
};

}  // namespace collbench
