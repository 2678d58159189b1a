// The run history in a build without SQLite (results/history_without_sqlite.cpp, compiled into
// this test whatever the build has): every way in refuses with one line that names the reason, as
// a usage error (exit 2), and nothing is created on disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "core/errors.hpp"
#include "results/history.hpp"

namespace collbench {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

TEST(HistoryWithoutSqlite, CommandsSayTheBuildHasNoSqlite) {
  EXPECT_EQ(message_of([] { require_history_support("history"); }),
            "history: collbench was built without SQLite (install the SQLite headers, e.g. "
            "libsqlite3-dev, and build again)");
  EXPECT_EQ(message_of([] {
              require_history_support("report --history");
            }).rfind("report --history: collbench was built without SQLite", 0),
            0u);
}

TEST(HistoryWithoutSqlite, OpeningADatabaseRefusesAndCreatesNothing) {
  const std::filesystem::path db =
      std::filesystem::path(testing::TempDir()) / "collbench-no-sqlite" / "history.db";
  std::filesystem::remove_all(db.parent_path());
  const std::string why = message_of([&] { HistoryDb open(db.string()); });
  EXPECT_NE(why.find("built without SQLite"), std::string::npos) << why;
  EXPECT_NE(why.find(db.string()), std::string::npos) << why;
  EXPECT_FALSE(std::filesystem::exists(db.parent_path()));
}

}  // namespace
}  // namespace collbench
