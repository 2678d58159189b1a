#include "results/history.hpp"

#include <sqlite3.h>

#include <algorithm>

#include "core/errors.hpp"
#include "results/jsonl_writer.hpp"
#include "results/judging.hpp"

namespace collbench {
namespace {

// Wraps a prepared statement; every call's result is checked and named in errors.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& path, const char* sql) : db_(db), path_(path) {
    check(sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr), "sqlite3_prepare_v2");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.c_str(), -1, SQLITE_TRANSIENT), "sqlite3_bind_text");
  }
  void bind(int i, int64_t v) { check(sqlite3_bind_int64(stmt_, i, v), "sqlite3_bind_int64"); }
  void bind(int i, double v) { check(sqlite3_bind_double(stmt_, i, v), "sqlite3_bind_double"); }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) check(rc, "sqlite3_step");
    return false;
  }
  void reset() { check(sqlite3_reset(stmt_), "sqlite3_reset"); }
  std::string text(int i) const {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }
  double real(int i) const { return sqlite3_column_double(stmt_, i); }

 private:
  void check(int rc, const char* call) const {
    if (rc != SQLITE_OK) {
      throw RuntimeFailure(path_ + ": " + call + " failed: " + sqlite3_errmsg(db_));
    }
  }
  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* stmt_ = nullptr;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  run_key TEXT NOT NULL UNIQUE,
  timestamp TEXT NOT NULL,
  git_revision TEXT,
  backend TEXT,
  nranks INTEGER,
  file TEXT,
  run_json TEXT
);
CREATE TABLE IF NOT EXISTS results (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  config_key TEXT NOT NULL,
  collective TEXT, backend TEXT, dtype TEXT, redop TEXT, inplace INTEGER, nranks INTEGER,
  bytes INTEGER, time_us REAL, time_us_min REAL, time_us_max REAL, algbw REAL, busbw REAL,
  wrong INTEGER
);
CREATE INDEX IF NOT EXISTS results_by_config ON results(config_key);
)sql";

}  // namespace

// This build has SQLite (results/history_without_sqlite.cpp is the other side).
void require_history_support(const std::string&) {}

HistoryDb::HistoryDb(const std::string& path) : path_(path) {
  ensure_parent_directory(path);
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw UsageError("cannot open history database " + path + ": " + why);
  }
  // Concurrent writers queue for up to a minute instead of failing with "database is locked".
  sqlite3_busy_timeout(db_, 60000);
  // The first statement reads the file: a results file or other data passed as the database is
  // bad input (exit 2), not a runtime failure.
  if (sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) == SQLITE_NOTADB) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw UsageError(path + ": not a history database (SQLite)");
  }
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA foreign_keys=ON");
  exec(kSchema);
}

HistoryDb::~HistoryDb() {
  sqlite3_close(db_);
}

void HistoryDb::exec(const char* sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string why = error ? error : "unknown error";
    sqlite3_free(error);
    throw RuntimeFailure(path_ + ": sqlite3_exec failed: " + why);
  }
}

bool HistoryDb::add(const RunFile& run) {
  exec("BEGIN IMMEDIATE");
  try {
    Statement exists(db_, path_, "SELECT id FROM runs WHERE run_key = ?");
    exists.bind(1, run_key(run));
    if (exists.step()) {
      exec("ROLLBACK");
      return false;
    }
    Statement insert_run(db_, path_,
                         "INSERT INTO runs (run_key, timestamp, git_revision, backend, nranks, "
                         "file, run_json) VALUES (?, ?, ?, ?, ?, ?, ?)");
    insert_run.bind(1, run_key(run));
    insert_run.bind(2, run.run.value("timestamp", std::string("?")));
    insert_run.bind(3, run.run.value("git_revision", std::string("?")));
    insert_run.bind(4, run.run.value("backend", std::string("?")));
    insert_run.bind(5, static_cast<int64_t>(run.run.value("nranks", 0)));
    insert_run.bind(6, run.path);
    insert_run.bind(7, run.run.dump());
    insert_run.step();
    const int64_t id = sqlite3_last_insert_rowid(db_);
    Statement insert(db_, path_,
                     "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const ResultRow& r : run.results) {
      insert.reset();
      insert.bind(1, id);
      insert.bind(2, r.config_key());
      insert.bind(3, r.collective);
      insert.bind(4, r.backend);
      insert.bind(5, r.dtype);
      insert.bind(6, r.redop);
      insert.bind(7, static_cast<int64_t>(r.inplace));
      insert.bind(8, static_cast<int64_t>(r.nranks));
      insert.bind(9, r.bytes);
      insert.bind(10, r.time_us);
      insert.bind(11, r.time_us_min);
      insert.bind(12, r.time_us_max);
      insert.bind(13, r.algbw);
      insert.bind(14, r.busbw);
      insert.bind(15, r.wrong);
      insert.step();
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return true;
}

std::vector<HistoryRun> HistoryDb::runs(int last) const {
  Statement s(db_, path_,
              "SELECT r.id, r.timestamp, r.git_revision, r.backend, r.nranks, r.file, "
              "(SELECT COUNT(*) FROM results WHERE run_id = r.id) FROM runs r "
              "ORDER BY r.timestamp DESC, r.id DESC LIMIT ?");
  s.bind(1, static_cast<int64_t>(last));
  std::vector<HistoryRun> out;
  while (s.step()) {
    out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(5),
                   static_cast<int>(s.integer(4)), static_cast<int>(s.integer(6))});
  }
  return out;
}

std::vector<ResultRow> HistoryDb::configurations() const {
  Statement s(db_, path_,
              "SELECT DISTINCT collective, backend, dtype, redop, inplace, nranks, bytes "
              "FROM results ORDER BY collective, backend, dtype, redop, inplace, nranks, bytes");
  std::vector<ResultRow> out;
  while (s.step()) {
    ResultRow row;
    row.collective = s.text(0);
    row.backend = s.text(1);
    row.dtype = s.text(2);
    row.redop = s.text(3);
    row.inplace = s.integer(4) != 0;
    row.nranks = static_cast<int>(s.integer(5));
    row.bytes = s.integer(6);
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<HistoryPoint> HistoryDb::series(const SeriesFilter& f) const {
  Statement s(
      db_, path_,
      "SELECT r.timestamp, r.git_revision, x.collective, x.backend, x.dtype, x.redop, "
      "x.inplace, x.nranks, x.bytes, x.time_us, x.time_us_min, x.time_us_max, x.algbw, "
      "x.busbw, x.wrong FROM results x JOIN runs r ON r.id = x.run_id "
      "WHERE x.collective = ?1 AND (?2 < 0 OR x.bytes = ?2) AND (?3 = '' OR x.backend = ?3) "
      "AND (?4 = '' OR x.dtype = ?4) AND (?5 < 0 OR x.nranks = ?5) "
      "AND (?6 < 0 OR x.inplace = ?6) ORDER BY r.timestamp DESC, r.id DESC LIMIT ?7");
  s.bind(1, f.collective);
  s.bind(2, f.bytes.value_or(-1));
  s.bind(3, f.backend);
  s.bind(4, f.dtype);
  s.bind(5, static_cast<int64_t>(f.nranks.value_or(-1)));
  s.bind(6, static_cast<int64_t>(f.inplace ? (*f.inplace ? 1 : 0) : -1));
  s.bind(7, static_cast<int64_t>(f.last));
  std::vector<HistoryPoint> out;
  while (s.step()) {
    HistoryPoint p;
    p.timestamp = s.text(0);
    p.git_revision = s.text(1);
    p.row.collective = s.text(2);
    p.row.backend = s.text(3);
    p.row.dtype = s.text(4);
    p.row.redop = s.text(5);
    p.row.inplace = s.integer(6) != 0;
    p.row.nranks = static_cast<int>(s.integer(7));
    p.row.bytes = s.integer(8);
    p.row.time_us = s.real(9);
    p.row.time_us_min = s.real(10);
    p.row.time_us_max = s.real(11);
    p.row.algbw = s.real(12);
    p.row.busbw = s.real(13);
    p.row.wrong = s.integer(14);
    out.push_back(std::move(p));
  }
  std::reverse(out.begin(), out.end());  // oldest first, as a trend reads
  return out;
}

std::vector<HistoryJudgement> HistoryDb::check(const RunFile& run, int last, double mad_factor,
                                               double threshold_pct) const {
  Statement s(db_, path_,
              "SELECT x.busbw FROM results x JOIN runs r ON r.id = x.run_id "
              "WHERE x.config_key = ? AND r.run_key <> ? "
              "ORDER BY r.timestamp DESC, r.id DESC LIMIT ?");
  std::vector<HistoryJudgement> out;
  const std::string key = run_key(run);
  for (const ResultRow& row : run.results) {
    s.reset();
    s.bind(1, row.config_key());
    s.bind(2, key);
    s.bind(3, static_cast<int64_t>(last));
    std::vector<double> values;
    while (s.step()) values.push_back(s.real(0));
    HistoryJudgement j = judge_against_history(row, values, mad_factor, threshold_pct);
    out.push_back(j);
  }
  // Across sizes, as compare: a drop at one size only is a stall during that size, not a trend.
  std::vector<Change> changes(out.size());
  std::vector<SizedChange> sized;
  for (std::size_t i = 0; i < out.size(); ++i) {
    changes[i] = out[i].regression ? Change::kWorse : Change::kSame;
    ResultRow sizeless = out[i].row;
    sizeless.bytes = 0;
    sized.push_back(
        {sizeless.config_key(), out[i].row.bytes, &changes[i], nullptr, out[i].row.wrong > 0});
  }
  require_neighbour_agreement(sized);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].isolated = out[i].regression && changes[i] == Change::kSame;
    out[i].regression = changes[i] == Change::kWorse;
  }
  return out;
}

}  // namespace collbench
