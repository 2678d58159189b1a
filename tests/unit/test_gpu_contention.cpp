// The GPU contention check (topology/gpu_contention.hpp) with fake driver readings, and the NVML
// loader's answer when the library is missing or is not NVML (topology/gpu_query.hpp).
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "topology/gpu_contention.hpp"

namespace collbench {
namespace {

GpuProcess compute(pid_t pid) {
  GpuProcess p;
  p.pid = pid;
  p.compute = true;
  return p;
}

GpuProcess graphics(pid_t pid) {
  GpuProcess p;
  p.pid = pid;
  p.graphics = true;
  return p;
}

TEST(GpuContentionCauses, OurRanksAloneAreQuiet) {
  EXPECT_TRUE(gpu_contention_causes("0", {compute(100), compute(101)}, {100, 101}, {}, 0).empty());
  EXPECT_TRUE(gpu_contention_causes("0", {}, {100}, {}, 0).empty());
}

TEST(GpuContentionCauses, NamesOtherProcessesAndSaysWhenAPidIsNotInProc) {
  const std::vector<std::string> causes =
      gpu_contention_causes("2", {compute(100), compute(4242), graphics(4242), graphics(77)}, {100},
                            {{4242, "python3"}}, 0);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0],
            "2 other process(es) on GPU 2: pid 77 (not in this /proc: another container or PID "
            "namespace, graphics), python3 (pid 4242, compute+graphics)");
}

TEST(GpuContentionCauses, ListsThreeAndCountsTheRest) {
  const std::vector<std::string> causes = gpu_contention_causes(
      "GPU-8f3c", {compute(1), compute(2), compute(3), compute(4), compute(5)}, {},
      {{1, "a"}, {2, "b"}, {3, "c"}, {4, "d"}, {5, "e"}}, 0);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0],
            "5 other process(es) on GPU-8f3c: a (pid 1, compute), b (pid 2, compute), c (pid 3, "
            "compute) and 2 more");
}

TEST(GpuContentionCauses, ClocksHeldDownButNotForIdleOrApplicationClocks) {
  EXPECT_TRUE(
      gpu_contention_causes("0", {}, {}, {}, kGpuIdleReason | kGpuApplicationClocksReason).empty());
  const std::vector<std::string> causes =
      gpu_contention_causes("1", {}, {}, {}, kGpuIdleReason | 0x4 | 0x40);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0], "GPU 1 clocks held down: software power cap, hardware thermal slowdown");
}

TEST(GpuContentionCauses, UnknownPidsMayBeOurRanksSeenFromAnotherNamespace) {
  // In a container: our two ranks (pids 10, 11 here) are listed as 9000 and 9001, and a third
  // unknown pid and a known stranger are others.
  const std::vector<GpuProcess> listed = {compute(9000), compute(9001), compute(9002),
                                          compute(500)};
  const std::vector<std::string> causes =
      gpu_contention_causes("0", listed, {10, 11}, {{500, "stress"}}, 0, 2);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0],
            "2 other process(es) on GPU 0: stress (pid 500, compute), pid 9002 (not in this "
            "/proc: another container or PID namespace, compute) (besides 2 unknown pid(s) that "
            "may be this job's ranks)");
  // Our ranks listed under their own pids leave no unknown pid to discount.
  EXPECT_EQ(
      gpu_contention_causes("0", {compute(10), compute(11), compute(9002)}, {10, 11}, {}, 0, 2)
          .size(),
      1u);
  EXPECT_TRUE(
      gpu_contention_causes("0", {compute(9000), compute(9001)}, {10, 11}, {}, 0, 2).empty());
}

TEST(RankGpuDevices, FollowTheBackendsRule) {
  EXPECT_EQ(rank_gpu_devices(std::nullopt, 8, 3, 1), (std::vector<std::string>{"3"}));
  EXPECT_EQ(rank_gpu_devices(std::nullopt, 4, 5, 1), (std::vector<std::string>{"1"}));
  EXPECT_EQ(rank_gpu_devices(std::nullopt, 8, 1, 2), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(rank_gpu_devices(std::string("6,7"), 8, 1, 1), (std::vector<std::string>{"7"}));
  EXPECT_EQ(rank_gpu_devices(std::string("GPU-aa, GPU-bb"), 8, 0, 2),
            (std::vector<std::string>{"GPU-aa", "GPU-bb"}));
  // CUDA stops at the first entry it cannot read; none visible means no device.
  EXPECT_EQ(rank_gpu_devices(std::string("2,x,3"), 8, 1, 1), (std::vector<std::string>{"2"}));
  EXPECT_TRUE(rank_gpu_devices(std::string(""), 8, 0, 1).empty());
  EXPECT_TRUE(rank_gpu_devices(std::nullopt, 0, 0, 1).empty());
}

// A driver that answers from a table.
class FakeGpus final : public GpuQuery {
 public:
  std::string why_unavailable;
  std::map<std::string, GpuReading> readings;
  std::vector<std::string> asked;
  std::string unavailable() const override { return why_unavailable; }
  unsigned device_count() override { return static_cast<unsigned>(readings.size()); }
  GpuReading read(const std::string& device) override {
    asked.push_back(device);
    const auto it = readings.find(device);
    if (it != readings.end()) return it->second;
    GpuReading missing;
    missing.error = "no such device";
    return missing;
  }
};

TEST(ProbeGpuContention, UnavailableDriverIsRecordedNotWarned) {
  FakeGpus gpus;
  gpus.why_unavailable = "libnvidia-ml.so.1 could not be loaded (not found)";
  const GpuContention found = probe_gpu_contention(gpus, {"0"}, {100});
  EXPECT_TRUE(found.causes.empty());
  EXPECT_EQ(found.unchecked, gpus.why_unavailable);
  EXPECT_TRUE(gpus.asked.empty());
}

TEST(ProbeGpuContention, ReadsOnlyTheRanksDevicesAndNamesFromProc) {
  const std::filesystem::path proc =
      std::filesystem::temp_directory_path() / ("collbench-gpu-proc-" + std::to_string(getpid()));
  std::filesystem::create_directories(proc / "4242");
  std::ofstream(proc / "4242" / "comm") << "trainer\n";
  FakeGpus gpus;
  gpus.readings["0"].processes = {compute(100), compute(4242)};
  gpus.readings["1"].processes = {compute(555)};  // not a device of ours: never read
  GpuReading clocks_failed;
  clocks_failed.processes = {compute(31337)};
  clocks_failed.error = "clock event reasons: Unknown Error [999]";
  gpus.readings["2"] = clocks_failed;
  const GpuContention found = probe_gpu_contention(gpus, {"0", "2", "5"}, {100}, {}, proc);
  std::filesystem::remove_all(proc);
  EXPECT_EQ(gpus.asked, (std::vector<std::string>{"0", "2", "5"}));
  ASSERT_EQ(found.causes.size(), 2u);
  EXPECT_EQ(found.causes[0], "1 other process(es) on GPU 0: trainer (pid 4242, compute)");
  EXPECT_EQ(found.causes[1].rfind("1 other process(es) on GPU 2: pid 31337 (not in this /proc", 0),
            0u);
  EXPECT_EQ(found.unchecked,
            "GPU 2: clock event reasons: Unknown Error [999]; GPU 5: no such device");
}

TEST(OpenNvml, AMissingLibraryIsUnavailableWithTheReason) {
  const std::unique_ptr<GpuQuery> nvml = open_nvml("libcollbench-no-such-library.so.1");
  EXPECT_EQ(nvml->unavailable().rfind("libcollbench-no-such-library.so.1 could not be loaded", 0),
            0u);
  EXPECT_EQ(nvml->device_count(), 0u);
  EXPECT_FALSE(nvml->read("0").error.empty());
}

TEST(OpenNvml, ALibraryThatIsNotNvmlIsUnavailable) {
  const std::unique_ptr<GpuQuery> nvml = open_nvml("libm.so.6");
  EXPECT_EQ(nvml->unavailable(), "the NVML library lacks nvmlInit_v2");
}

TEST(OpenNvml, TheDriversLibraryIsUsableOrSaysWhyNot) {
  // On a GPU machine this opens the driver; elsewhere it names what is missing. Either way the
  // process goes on: collbench never needs the library to start.
  const std::unique_ptr<GpuQuery> nvml = open_nvml();
  const std::string why = nvml->unavailable();
  if (why.empty()) {
    EXPECT_GT(nvml->device_count(), 0u);
  } else {
    EXPECT_TRUE(why.find("libnvidia-ml.so.1") != std::string::npos ||
                why.rfind("nvmlInit failed", 0) == 0)
        << why;
  }
}

}  // namespace
}  // namespace collbench
