// Which NUMA nodes `collbench copy` measures (harness/numa_nodes.hpp): only nodes in the
// process's allowed memory nodes with an allowed CPU, the others named with the reason. Fake /sys
// trees and status files stand in for a container whose cpuset excludes a node.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/numa_nodes.hpp"

namespace collbench {
namespace {

namespace fs = std::filesystem;

std::vector<int> ids(const NumaChoice& c) {
  std::vector<int> out;
  for (const NumaNode& n : c.usable) out.push_back(n.id);
  return out;
}

TEST(NumaNodes, EveryNodeWhenNothingIsExcluded) {
  const NumaChoice c = choose_numa_nodes({{0, "0-3"}, {1, "4-7"}}, "0-1", "0-7");
  EXPECT_EQ(ids(c), (std::vector<int>{0, 1}));
  EXPECT_EQ(c.usable[1].cpus, (std::set<int>{4, 5, 6, 7}));
  EXPECT_TRUE(c.skipped.empty());
  EXPECT_EQ(skipped_numa_nodes_line(c), "");
}

TEST(NumaNodes, ANodeOutsideMemsAllowedIsSkippedWithTheReason) {
  const NumaChoice c = choose_numa_nodes({{0, "0-3"}, {1, "4-7"}}, "0", "0-7");
  EXPECT_EQ(ids(c), (std::vector<int>{0}));
  ASSERT_EQ(c.skipped.size(), 1u);
  EXPECT_EQ(c.skipped[0], "node 1 (its memory is outside this process's allowed nodes 0)");
  EXPECT_EQ(skipped_numa_nodes_line(c),
            "# NUMA nodes skipped (not usable by this process): node 1 (its memory is outside "
            "this process's allowed nodes 0)");
}

TEST(NumaNodes, ANodeWithoutAllowedCpusIsSkippedAndBindingsKeepToAllowedCpus) {
  // The cpuset allows CPUs 2-5: node 0 keeps 2-3, node 1 keeps 4-5, node 2 has none left.
  const NumaChoice c = choose_numa_nodes({{0, "0-3"}, {1, "4-7"}, {2, "8-11"}}, "0-2", "2-5");
  EXPECT_EQ(ids(c), (std::vector<int>{0, 1}));
  EXPECT_EQ(c.usable[0].cpus, (std::set<int>{2, 3}));
  EXPECT_EQ(c.usable[1].cpus, (std::set<int>{4, 5}));
  ASSERT_EQ(c.skipped.size(), 1u);
  EXPECT_EQ(c.skipped[0], "node 2 (none of its CPUs 8-11 is in this process's allowed CPUs 2-5)");
}

TEST(NumaNodes, MemoryOnlyNodesAreNoCandidates) {
  // A GPU's or CXL memory node has an empty cpulist: nothing to bind to, not a skipped node.
  const NumaChoice c = choose_numa_nodes({{0, "0-7"}, {1, ""}}, "0-1", "0-7");
  EXPECT_EQ(ids(c), (std::vector<int>{0}));
  EXPECT_TRUE(c.skipped.empty());
}

TEST(NumaNodes, UnknownOrUnreadableLimitsAllowEverything) {
  for (const std::optional<std::string>& limit :
       {std::optional<std::string>(), std::optional<std::string>("garbage")}) {
    const NumaChoice c = choose_numa_nodes({{0, "0-3"}, {1, "4-7"}}, limit, limit);
    EXPECT_EQ(ids(c), (std::vector<int>{0, 1}));
    EXPECT_TRUE(c.skipped.empty());
  }
}

TEST(NumaNodes, NoNodeUsableMeansOneUnboundMeasurement) {
  EXPECT_EQ(ids(choose_numa_nodes({}, std::nullopt, std::nullopt)), (std::vector<int>{-1}));
  const NumaChoice c = choose_numa_nodes({{1, "4-7"}}, "0", std::nullopt);
  EXPECT_EQ(ids(c), (std::vector<int>{-1}));
  EXPECT_EQ(c.skipped.size(), 1u);
}

class NumaTree : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(testing::TempDir()) / "collbench-numa-test";
    fs::remove_all(root_);
    fs::create_directories(root_ / "sys/devices/system/node");
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  void node(const std::string& name, const std::string& cpulist) {
    write(root_ / "sys/devices/system/node" / name / "cpulist", cpulist + "\n");
  }
  fs::path root_;
};

TEST_F(NumaTree, ReadsSysAndTheStatusFile) {
  node("node0", "0-3");
  node("node1", "4-7");
  node("node2", "");   // memory only
  node("nodeX", "8");  // not a node directory
  write(root_ / "sys/devices/system/node/possible", "0-2\n");
  write(root_ / "status",
        "Name:\tcollbench\nCpus_allowed:\tff\nCpus_allowed_list:\t0-7\n"
        "Mems_allowed:\t00000001\nMems_allowed_list:\t0\n");
  const NumaChoice c = usable_numa_nodes((root_ / "sys").string(), (root_ / "status").string());
  EXPECT_EQ(ids(c), (std::vector<int>{0}));
  ASSERT_EQ(c.skipped.size(), 1u);
  EXPECT_EQ(c.skipped[0], "node 1 (its memory is outside this process's allowed nodes 0)");
}

TEST_F(NumaTree, NoNodeDirectoryAndNoStatusFile) {
  fs::remove_all(root_ / "sys");
  const NumaChoice c = usable_numa_nodes((root_ / "sys").string(), (root_ / "none").string());
  EXPECT_EQ(ids(c), (std::vector<int>{-1}));
  EXPECT_TRUE(c.skipped.empty());
}

}  // namespace
}  // namespace collbench
