// Every table indexed by Collective agrees with the enumeration: the collective table itself,
// the JSON Schema's enum, and the bus factors the test tools check (dispatch tables are checked
// by the compiler, see CollectiveTable).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "collectives/collective.hpp"

namespace collbench {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CollectiveTables, TableFollowsTheEnumeration) {
  ASSERT_EQ(all_collectives().size(), kCollectiveCount);
  for (std::size_t i = 0; i < kCollectiveCount; ++i) {
    EXPECT_EQ(collective_index(all_collectives()[i].id), i) << all_collectives()[i].name;
  }
}

TEST(CollectiveTables, SchemaEnumNamesEveryCollective) {
  const auto schema = nlohmann::json::parse(read_file(COLLBENCH_SCHEMA_PATH));
  std::set<std::string> in_schema;
  for (const auto& name : schema["$defs"]["result"]["properties"]["collective"]["enum"]) {
    in_schema.insert(name.get<std::string>());
  }
  ASSERT_FALSE(in_schema.empty()) << "the schema's layout changed: update this test";
  std::set<std::string> expected = {"h2d", "d2h", "d2d"};  // collbench copy's baselines
  for (const CollectiveSpec& spec : all_collectives()) expected.insert(std::string(spec.name));
  EXPECT_EQ(in_schema, expected);
}

TEST(CollectiveTables, TestToolsKnowEveryBusFactor) {
  const std::string tool = read_file(COLLBENCH_RUN_AND_CHECK_PATH);
  for (const CollectiveSpec& spec : all_collectives()) {
    std::string key(1, '"');  // built piecewise: gcc 12 misreports a concatenation here
    key.append(spec.name).append("\": lambda");
    EXPECT_NE(tool.find(key), std::string::npos) << spec.name << " has no bus factor";
  }
}

}  // namespace
}  // namespace collbench
