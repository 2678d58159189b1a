// The stability rule (core/stability.hpp) and the host contention probe over saved /proc and
// /sys trees (topology/host_contention.hpp).
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "core/stability.hpp"
#include "topology/host_contention.hpp"

namespace collbench {
namespace {

TEST(Stability, QuietSamplesAreStable) {
  const Stability s = assess_stability({2.0, 2.1, 1.9, 2.0, 2.05});
  ASSERT_TRUE(s.stable.has_value());
  EXPECT_TRUE(*s.stable);
  EXPECT_NEAR(s.spread, 0.025, 1e-9);  // MAD 0.05 over median 2.0
  EXPECT_EQ(s.outlier_fraction, 0.0);
}

TEST(Stability, OneLateSampleAmongFiveIsTolerated) {
  const Stability s = assess_stability({2.0, 2.1, 1.9, 2.0, 9000.0});
  EXPECT_TRUE(s.stable.value());
  EXPECT_DOUBLE_EQ(s.outlier_fraction, 0.2);
  EXPECT_DOUBLE_EQ(s.max_over_median, 4500.0);
}

TEST(Stability, TwoOutliersOrAWideSpreadAreNot) {
  EXPECT_FALSE(assess_stability({2.0, 2.1, 1.9, 8000.0, 9000.0}).stable.value());
  // The 16 B row of the issue: samples from 0.63 to 9,197 us. Their spread alone is 10 %, but
  // one sample shows the operation takes under a microsecond: the median is inflated.
  const Stability inflated = assess_stability({0.63, 8367, 9197, 7100, 8800});
  EXPECT_FALSE(inflated.stable.value());
  EXPECT_LT(inflated.min_over_median, 0.001);
  // No outlier, but a 30 % spread.
  EXPECT_FALSE(assess_stability({1.0, 1.3, 1.6, 1.0, 1.6}).stable.value());
}

TEST(Stability, FewerThanThreeSamplesAreNotJudged) {
  EXPECT_FALSE(assess_stability({1.0, 100.0}).stable.has_value());
  EXPECT_FALSE(assess_stability({}).stable.has_value());
}

// A saved /proc: this process (pid 100, parent 50, cpus 0-1), a sibling rank (101), a busy
// stranger on cpu 1 (200), a sleeping one (201), a busy one on cpu 3 outside the ranks' CPUs
// (202) and a kernel thread (300); /sys with a powersave governor on cpu 1.
class FakeHost : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = "collbench-contention-";
    name.append(std::to_string(::getpid()));
    root_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(root_);
    process(100, "collbench", 'R', 50, 0, "0-1", "/usr/bin/collbench");
    process(101, "collbench", 'R', 50, 1, "0-1", "/usr/bin/collbench");
    process(200, "yes (busy)", 'R', 1, 1, "0-3", "/usr/bin/yes");
    process(201, "sleeper", 'S', 1, 1, "0-3", "/usr/bin/sleep");
    process(202, "far", 'R', 1, 3, "3", "/usr/bin/far");
    process(300, "kworker/1:0", 'R', 2, 1, "1", "");
    write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
    write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "powersave\n");
    write("sys/devices/system/cpu/cpu1/thermal_throttle/core_throttle_count", "7\n");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void write(const std::filesystem::path& path, const std::string& text) {
    const auto full = root_ / path;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full) << text;
  }
  // Strings are built with append: gcc 12 misreports concatenations of temporaries here.
  void process(int pid, const std::string& name, char state, int parent, int cpu,
               const std::string& cpus, const std::string& exe) {
    std::string stat = std::to_string(pid);
    stat.append(" (").append(name).append(") ").append(1, state).append(" ");
    stat.append(std::to_string(parent));
    for (int field = 5; field <= 38; ++field) stat.append(" 0");
    stat.append(" ").append(std::to_string(cpu)).append(" 0 0\n");  // field 39: last CPU
    const std::filesystem::path dir = std::filesystem::path("proc") / std::to_string(pid);
    write(dir / "stat", stat);
    std::string status = "Name:\tx\nCpus_allowed_list:\t";
    status.append(cpus).append("\n");
    write(dir / "status", status);
    if (!exe.empty()) std::filesystem::create_symlink(exe, root_ / dir / "exe");
  }
  ContentionProbe probe(int ranks) const {
    ContentionProbe p;
    p.proc_root = (root_ / "proc").string();
    p.sys_root = (root_ / "sys").string();
    p.self = 100;
    p.ranks_on_node = ranks;
    p.snapshots = 2;
    p.interval_ms = 1;
    return p;
  }
  std::filesystem::path root_;
};

TEST_F(FakeHost, NamesTheBusyStrangerAndTheGovernor) {
  const HostContention found = probe_host_contention(probe(2));
  ASSERT_EQ(found.causes.size(), 2u) << ::testing::PrintToString(found.causes);
  EXPECT_EQ(found.causes[0],
            "1 other busy process(es) on the ranks' CPUs: yes (busy) (pid 200, cpu 1)");
  EXPECT_EQ(found.causes[1],
            "CPU frequency scaling: governor 'powersave' on CPU(s) 1 (the 'performance' governor "
            "keeps clocks steady)");
  EXPECT_EQ(found.throttle.at(1), 7u);
}

TEST_F(FakeHost, MoreRanksThanCpus) {
  const HostContention found = probe_host_contention(probe(3));
  ASSERT_FALSE(found.causes.empty());
  EXPECT_EQ(found.causes[0],
            "3 ranks share 2 CPU(s) (0-1): ranks wait for each other's time slices");
}

TEST(HostContention, ThrottlingSinceAndCpuLists) {
  EXPECT_TRUE(throttling_since({{0, 5}}, {{0, 5}}).empty());
  EXPECT_EQ(throttling_since({{0, 5}, {1, 1}, {2, 0}}, {{0, 9}, {1, 1}, {2, 2}}),
            std::vector<std::string>{
                "CPU throttled during the run: 6 thermal throttle event(s) on CPU(s) 0,2"});
  EXPECT_EQ(parse_cpu_list("0-2,5"), (std::set<int>{0, 1, 2, 5}));
  EXPECT_TRUE(parse_cpu_list("3-1").empty());
  EXPECT_TRUE(parse_cpu_list("x").empty());
}

}  // namespace
}  // namespace collbench
