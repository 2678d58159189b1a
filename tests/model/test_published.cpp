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
  print_published_table(stdout, checks);
  const ErrorSummary s = summarize(checks);
  std::printf("median |error| %.1f%%, worst %.1f%%, %zu points (goal: 15%% and 50%%)\n",
              100 * s.median, 100 * s.worst, s.count);
  EXPECT_EQ(s.count, data.points.size());
  // The goal, and the worst error docs/model.md reports (a regression fails here).
  EXPECT_LE(s.median, 0.15);
  EXPECT_LE(s.worst, 0.50);
}

// A point's time from its busbw: nccl-tests' busbw = size / time x the collective's factor.
CalibrationPoint as_calibration_point(const PublishedPoint& p) {
  const double factor = collective_spec(p.collective).bus_factor(static_cast<int>(p.gpus));
  return {p.gpus, p.collective, static_cast<double>(p.bytes),
          static_cast<double>(p.bytes) * factor / (p.busbw_GBps * 1e3), p.env};
}

// Every published series (one system at three or more GPU counts): calibrate on all but the
// largest count, predict the largest.
TEST(Published, CalibrationOnTheSmallestCountsCarriesToTheLargest) {
  const Data data;
  std::map<std::string, std::set<int64_t>> counts;
  for (const PublishedPoint& p : data.points) counts[p.system].insert(p.gpus);
  int series = 0;
  for (const auto& [system, gpus] : counts) {
    if (gpus.size() < 3) continue;
    ++series;
    const int64_t largest = *gpus.rbegin();
    std::vector<PublishedPoint> train, held_out;
    for (const PublishedPoint& p : data.points) {
      if (p.system == system) (p.gpus == largest ? held_out : train).push_back(p);
    }
    std::vector<CalibrationPoint> points;
    for (const PublishedPoint& p : train) points.push_back(as_calibration_point(p));
    const ClusterSpec& cluster = data.systems.at(system);
    const CalibrationFit fit = calibrate(cluster, points);
    const ErrorSummary before = summarize(check_published(train, data.systems));
    const ErrorSummary trained =
        summarize(check_published(train, data.systems, {{system, fit.calibration}}));
    const ErrorSummary spec = summarize(check_published(held_out, data.systems));
    const std::vector<PointCheck> checks =
        check_published(held_out, data.systems, {{system, fit.calibration}});
    const ErrorSummary after = summarize(checks);
    std::printf(
        "%s: calibrated on %zu points below %lld GPUs (NVLink x%.3f, NIC x%.3f, latency "
        "x%.3f): training median %.1f%% -> %.1f%%; at %lld GPUs median %.1f%% worst "
        "%.1f%% (spec only: %.1f%%, %.1f%%)\n",
        system.c_str(), points.size(), static_cast<long long>(largest), fit.calibration.scaleup,
        fit.calibration.scaleout, fit.calibration.latency, 100 * before.median,
        100 * trained.median, static_cast<long long>(largest), 100 * after.median,
        100 * after.worst, 100 * spec.median, 100 * spec.worst);
    print_published_table(stdout, checks);
    // Calibration must not make the training fit worse.
    EXPECT_LE(trained.median, before.median + 1e-9) << system;
    // The series whose training runs span several NVLink domains (so their NICs are exercised)
    // meet the goal at the largest count; h100-roce-8x400 trains on 8 and 16 GPUs, which NVLink
    // bounds, so nothing in them says its RoCE NICs move 40 rather than 48 GB/s (docs/model.md).
    if (system == "coreweave-gb200-nvl72") {
      EXPECT_LE(after.median, 0.15) << system;
      EXPECT_LE(after.worst, 0.50) << system;
    }
  }
  EXPECT_GE(series, 2);
}

}  // namespace
}  // namespace collbench
