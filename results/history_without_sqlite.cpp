// The run history in a build without SQLite (the GPU machine has no SQLite headers): every entry
// point refuses with the reason, a usage error (exit 2), so `history` and `report --history` say
// why instead of failing to link or pretending the history is empty. Everything else still works.
#include "core/errors.hpp"
#include "results/history.hpp"

namespace collbench {
namespace {

[[noreturn]] void refuse(const std::string& what) {
  throw UsageError(what +
                   ": collbench was built without SQLite (install the SQLite headers, "
                   "e.g. libsqlite3-dev, and build again)");
}

}  // namespace

void require_history_support(const std::string& what) {
  refuse(what);
}

// No HistoryDb is ever constructed here, so the members below cannot run; they exist to link.
HistoryDb::HistoryDb(const std::string& path) : path_(path) {
  refuse("history database " + path);
}
HistoryDb::~HistoryDb() {
  (void)db_;  // never open here; named so clang's -Wunused-private-field stays quiet
}
void HistoryDb::exec(const char*) const {
  refuse("history");
}
bool HistoryDb::add(const RunFile&) {
  refuse("history");
}
std::vector<HistoryRun> HistoryDb::runs(int) const {
  refuse("history");
}
std::vector<HistoryPoint> HistoryDb::series(const SeriesFilter&) const {
  refuse("history");
}
std::vector<ResultRow> HistoryDb::configurations() const {
  refuse("history");
}
std::vector<HistoryJudgement> HistoryDb::check(const RunFile&, int, double, double) const {
  refuse("history");
}

}  // namespace collbench
