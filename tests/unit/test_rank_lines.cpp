// The run header's launcher note and per-rank lines, from run records as the harness writes them.
#include <gtest/gtest.h>

#include "results/rank_lines.hpp"

namespace collbench {
namespace {

nlohmann::json processes(int n) {
  nlohmann::json out = nlohmann::json::array();
  for (int r = 0; r < n; ++r) {
    out.push_back(
        {{"rank", r}, {"host", 2 * r < n ? "a" : "b"}, {"pid", 100 + r}, {"cpus", "0-3"}});
  }
  return out;
}

TEST(RankLines, NoLauncherSaysOneProcessAndHowToLaunchSeveral) {
  const nlohmann::json run = {
      {"launcher", "none"}, {"nranks", 1}, {"processes", 1}, {"rank_info", processes(1)}};
  const std::vector<std::string> lines = format_rank_lines(run);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("launcher: none: measured 1 rank in 1 process; ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("mpirun -np N"), std::string::npos);
  EXPECT_EQ(lines[1], " Rank   0 Pid     100 on a device host cpus 0-3");
}

TEST(RankLines, OneLinePerProcessOnHostRuns) {
  const nlohmann::json run = {
      {"launcher", "mpirun"}, {"nranks", 4}, {"processes", 4}, {"rank_info", processes(4)}};
  const std::vector<std::string> lines = format_rank_lines(run);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "launcher: mpirun");
  EXPECT_EQ(lines[4], " Rank   3 Pid     103 on b device host cpus 0-3");
}

TEST(RankLines, GpuRanksCarryDeviceBusIdAndTheirProcessPid) {
  // Two processes driving two GPUs each (-g 2): GPU ranks 2 and 3 belong to the second process.
  nlohmann::json gpus = nlohmann::json::array();
  for (int r = 0; r < 4; ++r) {
    gpus.push_back({{"rank", r},
                    {"host", r < 2 ? "a" : "b"},
                    {"device", r % 2},
                    {"name", "NVIDIA H100 80GB HBM3"},
                    {"pci_bus_id", r % 2 ? "0000:1f:00.0" : "0000:1d:00.0"},
                    {"cpu_binding", "0-3"}});
  }
  const nlohmann::json run = {{"launcher", "mpirun"},
                              {"nranks", 4},
                              {"processes", 2},
                              {"rank_info", processes(2)},
                              {"gpus", gpus}};
  const std::vector<std::string> lines = format_rank_lines(run);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[3],
            " Rank   2 Pid     101 on b device 0 [0000:1d:00.0] NVIDIA H100 80GB HBM3 cpus 0-3");
}

TEST(RankLines, OldRecordsPrintNothing) {
  EXPECT_TRUE(format_rank_lines({{"nranks", 2}}).empty());
}

}  // namespace
}  // namespace collbench
