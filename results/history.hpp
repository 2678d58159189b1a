#pragma once
// The run history: an embedded SQLite database of runs and their result rows, for trends and for
// judging a new run against the recent past of the same configuration. Writers take an immediate
// transaction and wait (busy timeout) for each other, so concurrent nightly steps cannot corrupt
// it. SQLite is optional at build time: without it results/history_without_sqlite.cpp stands in
// and refuses with the reason. The judging rule itself is in results/history_judging.hpp.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "results/history_judging.hpp"
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

// Throws UsageError ("WHAT: collbench was built without SQLite ...", exit 2) in a build without
// SQLite, where every HistoryDb member throws the same; returns otherwise. Commands call it before
// their other checks, so the reason comes first.
void require_history_support(const std::string& what);

}  // namespace collbench
