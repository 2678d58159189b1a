// The model against published NCCL measurements (model/data): every point predicted from its
// system's description alone, the error table printed, and the accuracy docs/model.md reports
// held as a regression bound. Then calibration on a series' smallest GPU counts, checked on its
// largest.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>

#include "model/calibrate.hpp"
#include "model/published.hpp"

namespace collbench {
namespace {

const std::string kData = COLLBENCH_MODEL_DATA;

struct Data {
  std::vector<PublishedPoint> points = load_published_points(kData + "/published.jsonl");
  std::map<std::string, ClusterSpec> systems = load_published_systems(kData + "/systems.json");
};

void print_table(const std::vector<PointCheck>& checks) {
  std::printf("%3s %-24s %5s %-14s %12s %9s %9s %8s  %s\n", "id", "system", "GPUs", "collective",
              "bytes", "measured", "model", "error", "NCCL's choice (model)");
  for (const PointCheck& c : checks) {
    std::printf("%3d %-24s %5lld %-14s %12lld %9.2f %9.2f %+7.1f%%  %s/%s\n", c.point.id,
                c.point.system.c_str(), static_cast<long long>(c.point.gpus),
                std::string(collective_spec(c.point.collective).name).c_str(),
                static_cast<long long>(c.point.bytes), c.point.busbw_GBps, c.predicted.busbw_GBps,
                100 * c.error, std::string(algorithm_name(c.predicted.algorithm)).c_str(),
                std::string(protocol_name(c.predicted.protocol)).c_str());
  }
}

TEST(Published, EveryPointIsSourcedAndItsSystemDescribed) {
  const Data data;
  EXPECT_GE(data.points.size(), 40u);
  std::set<int> ids;
  for (const PublishedPoint& p : data.points) {
    EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id " << p.id;
    EXPECT_EQ(p.source.rfind("https://", 0), 0u) << p.id;
    EXPECT_FALSE(p.quote.empty()) << p.id;
    EXPECT_TRUE(data.systems.count(p.system)) << p.id << ": " << p.system;
    EXPECT_LE(p.gpus, data.systems.at(p.system).gpus) << p.id;
  }
}

TEST(Published, PredictionsFromSpecsOnly) {
  const Data data;
  const std::vector<PointCheck> checks = check_published(data.points, data.systems);
  print_table(checks);
  const ErrorSummary s = summarize(checks);
  std::printf("median |error| %.1f%%, worst %.1f%%, %zu points (goal: 15%% and 50%%)\n",
              100 * s.median, 100 * s.worst, s.count);
  EXPECT_EQ(s.count, data.points.size());
  // The goal, and the worst error docs/model.md reports (a regression fails here).
  EXPECT_LE(s.median, 0.15);
  EXPECT_LE(s.worst, 0.50);
}

}  // namespace
}  // namespace collbench
