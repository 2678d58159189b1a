// The host-side facts of the run record's GPU entries (no device needed).
#include <gtest/gtest.h>
#include <sched.h>

#include <cstdio>
#include <sstream>

#include "collectives/cuda/gpu_info.hpp"

namespace collbench {
namespace {

// cpu_binding() must describe exactly the CPUs sched_getaffinity reports, as ranges.
TEST(GpuInfo, CpuBindingListsTheAffinityMask) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  ASSERT_EQ(sched_getaffinity(0, sizeof mask, &mask), 0);
  cpu_set_t parsed;
  CPU_ZERO(&parsed);
  std::stringstream in(cpu_binding());
  std::string range;
  while (std::getline(in, range, ',')) {
    const auto dash = range.find('-');
    const int first = std::stoi(range.substr(0, dash));
    const int last = dash == std::string::npos ? first : std::stoi(range.substr(dash + 1));
    ASSERT_LE(first, last) << range;
    for (int cpu = first; cpu <= last; ++cpu) CPU_SET(cpu, &parsed);
  }
  EXPECT_TRUE(CPU_EQUAL(&mask, &parsed)) << cpu_binding();
}

TEST(GpuInfo, RecordsBecomeJsonWithEveryField) {
  GpuRecord r;
  r.rank = 3;
  r.device = 1;
  r.memory_bytes = 80LL << 30;
  std::snprintf(r.name, sizeof r.name, "%s", "Test GPU");
  std::snprintf(r.pci_bus_id, sizeof r.pci_bus_id, "%s", "0000:41:00.0");
  const GpuRecord records[] = {r};
  const nlohmann::json j = gpu_records_json(records);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["rank"], 3);
  EXPECT_EQ(j[0]["device"], 1);
  EXPECT_EQ(j[0]["name"], "Test GPU");
  EXPECT_EQ(j[0]["pci_bus_id"], "0000:41:00.0");
  EXPECT_EQ(j[0]["memory_bytes"], 80LL << 30);
  for (const char* key : {"host", "uuid", "numa_node", "cpu_binding"}) {
    EXPECT_TRUE(j[0].contains(key)) << key;
  }
}

}  // namespace
}  // namespace collbench
