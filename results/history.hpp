#pragma once
// The run history: an embedded SQLite database of runs and their result rows, for trends and for
// judging a new run against the recent past of the same configuration. Writers take an immediate
// transaction and wait (busy timeout) for each other, so concurrent nightly steps cannot corrupt
// it.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "results/reader.hpp"

struct sqlite3;

namespace collbench {

struct HistoryRun {
  int64_t id = 0;
  std::string timestamp, git_revision, backend, file;
  int nranks = 0;
  int results = 0;
};

struct HistoryPoint {
  std::string timestamp, git_revision;
  ResultRow row;
};

struct SeriesFilter {
  std::string collective;
  std::optional<int64_t> bytes;
  std::string backend, dtype;
  std::optional<int> nranks;
  std::optional<bool> inplace;
  int last = 30;
};

// A row of `history check`: the new value against the recent history of its configuration.
struct HistoryJudgement {
  ResultRow row;
  int history_points = 0;
  double median = 0, mad = 0, floor = 0;  // regression when busbw < floor
  bool regression = false;
  bool enough_history = false;
  bool inconclusive = false;  // the row's samples are unstable: not judged (core/stability.hpp)
  bool isolated = false;      // below the floor at this size only: noise (results/judging.hpp)
};

class HistoryDb {
 public:
  explicit HistoryDb(const std::string& path);
  ~HistoryDb();
  HistoryDb(const HistoryDb&) = delete;
  HistoryDb& operator=(const HistoryDb&) = delete;

  // Adds a run; returns false when the same run (timestamp, revision, command) is already there.
  bool add(const RunFile& run);
  std::vector<HistoryRun> runs(int last) const;
  std::vector<HistoryPoint> series(const SeriesFilter& filter) const;
  // Every stored configuration and size once (values left at zero), for choosing trends.
  std::vector<ResultRow> configurations() const;
  // Median and MAD of the last `last` runs' busbw per configuration (this run excluded).
  std::vector<HistoryJudgement> check(const RunFile& run, int last, double mad_factor,
                                      double threshold_pct) const;

 private:
  void exec(const char* sql) const;
  sqlite3* db_ = nullptr;
  std::string path_;
};

// The band rule of `history check`: `row` against the busbw of earlier runs of its configuration
// (newest first or in any order). A regression when there are 3 or more earlier values and busbw
// falls below median - max(mad_factor x 1.4826 x MAD, threshold_pct % of the median), or when the
// row has wrong data.
HistoryJudgement judge_against_history(const ResultRow& row, const std::vector<double>& earlier,
                                       double mad_factor, double threshold_pct);

// Identity of a run inside the history: the run record's `run_id` (random, written when the run
// starts), or for files from before run_id a hash of all their records. Never the timestamp:
// it has whole seconds, and two runs started in the same second are different runs.
std::string run_key(const RunFile& run);

}  // namespace collbench
