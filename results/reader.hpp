#pragma once
// Reads collbench JSON Lines files for compare, history, report and export. Every problem is
// reported as "FILE:LINE: reason" in a UsageError (exit 2), never a crash: malformed JSON, a
// truncated last line, an unknown schema version, a result record missing a field.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace collbench {

// One result row, as read back.
struct ResultRow {
  std::string collective, backend, dtype, redop, algorithm;
  bool inplace = false;
  int nranks = 0;
  int64_t bytes = 0;
  double time_us = 0, time_us_min = 0, time_us_max = 0;
  double algbw = 0, busbw = 0;
  double ceiling = 0;  // 0 when the run had none
  int64_t wrong = -1;
  std::vector<double> samples_us;  // the timed samples; {time_us} when the record has none
  std::optional<bool> stable;  // the record's own verdict (core/stability.hpp); none in old files
  std::string source;          // FILE:LINE, for messages

  // What must match for two rows to be comparable.
  std::string config_key() const;
};

struct RunFile {
  std::string path;
  nlohmann::json run;  // the "run" record (empty object if the file has none; the last if several)
  std::vector<int> run_lines;  // the line of every "run" record, in order
  std::vector<ResultRow> results;
  std::vector<nlohmann::json> others;  // verdicts, predictions, ...
  std::string content_hash;            // 128-bit FNV-1a of the records' text, as hex
  std::string label() const;           // short name for charts and tables: backend, ranks, time
};

RunFile read_run_file(const std::string& path);

// The label of a row's configuration without the size, e.g. "all_reduce mpi float sum
// out-of-place 2 ranks".
std::string config_label(const ResultRow& row);

}  // namespace collbench
