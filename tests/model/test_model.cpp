// The scale model: presets and cluster files, properties of the closed forms, what-if rules, and
// calibration recovering a known model from synthetic measurements.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "core/errors.hpp"
#include "model/cost_model.hpp"
#include "model/fit.hpp"

namespace collbench {
namespace {

double time_of(const ClusterSpec& c, int64_t n, Collective coll, const char* algo, double bytes,
               Degradation d = {}) {
  return find_algorithm(coll, algo)->time_us(network_costs(c, n), bytes, d);
}

TEST(Cluster, PresetsAreValid) {
  for (const std::string& name : cluster_preset_names()) {
    const ClusterSpec c = cluster_preset(name);
    EXPECT_NO_THROW(validate_cluster(c)) << name;
  }
  EXPECT_EQ(cluster_preset("gb200-nvl72-ndr400").gpus_per_domain, 72);
  EXPECT_EQ(cluster_preset("hgx-h100-ndr400").gpus_per_domain, 8);
  EXPECT_THROW(cluster_preset("dgx-1"), UsageError);
}

std::string write_file(const std::string& text) {
  char name[] = "/tmp/collbench-cluster-XXXXXX";
  const int fd = mkstemp(name);
  std::FILE* f = fdopen(fd, "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return name;
}

TEST(Cluster, FilesAreValidatedFieldByField) {
  const ClusterSpec c = load_cluster(
      write_file(R"({"preset": "hgx-h100-ndr400", "gpus": 4096, "oversubscription": [1, 2, 2]})"));
  EXPECT_EQ(c.gpus, 4096);
  EXPECT_DOUBLE_EQ(c.oversubscription[1], 2.0);
  auto error = [](const std::string& text) {
    try {
      load_cluster(write_file(text));
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error(R"({"gpus": 2000000})").find("1,000,000"), std::string::npos);
  EXPECT_NE(error(R"({"gpu": 8})").find("unknown field 'gpu'"), std::string::npos);
  EXPECT_NE(error(R"({"nic_Gbps": "fast"})").find("nic_Gbps: must be a number, not string"),
            std::string::npos);
  EXPECT_NE(error(R"({"tiers": 2, "oversubscription": [1]})").find("one value per tier"),
            std::string::npos);
  EXPECT_NE(error("{oops").find("not valid JSON"), std::string::npos);
}

TEST(CostModel, BandwidthTermsApproachTheLinks) {
  const ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  // Inside one domain a large ring all_reduce is bound by NVLink and the reduction rate.
  const double s = 8e9;
  const Prediction p = make_prediction(Collective::kAllReduce, "ring", static_cast<int64_t>(s), 8,
                                       time_of(c, 8, Collective::kAllReduce, "ring", s));
  const double expected = 1.0 / (1.0 / c.scaleup_GBps + 0.5 / c.reduce_GBps);
  EXPECT_NEAR(p.busbw_GBps, expected, 0.01 * expected);
  EXPECT_LT(p.busbw_GBps, c.scaleup_GBps);
  // Across domains the NIC share (50 GB/s per GPU) bounds the ring.
  const double across = make_prediction(Collective::kAllReduce, "ring", 8000000000LL, 64,
                                        time_of(c, 64, Collective::kAllReduce, "ring", 8e9))
                            .busbw_GBps;
  EXPECT_LT(across, 50.0);
  EXPECT_GT(across, 40.0);
}

TEST(CostModel, ShapesAtScale) {
  const ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  for (int64_t n : {int64_t{1000}, int64_t{100000}, int64_t{400000}}) {
    // Latency: a flat ring pays 2(n-1) steps, a tree 2 log2 n (at n = 1000: 1998 against 20).
    EXPECT_GT(time_of(c, n, Collective::kAllReduce, "ring", 8),
              50 * time_of(c, n, Collective::kAllReduce, "tree", 8));
    // Large messages: the hierarchical algorithm moves 1/8 of the data across domains.
    EXPECT_LT(time_of(c, n, Collective::kAllReduce, "hierarchical", 1e10),
              time_of(c, n, Collective::kAllReduce, "ring", 1e10));
  }
  for (const AlgorithmModel& m : algorithm_models()) {
    const NetworkCosts costs = network_costs(c, 4096);
    double last = -1;
    for (double s = 8; s < 1e10; s *= 4) {
      const double t = m.time_us(costs, s, {});
      EXPECT_GT(t, last) << m.name;  // more bytes never take less time
      last = t;
    }
  }
}

TEST(CostModel, OversubscriptionSlowsAllToAllNotRings) {
  ClusterSpec flat = cluster_preset("hgx-h100-ndr400");
  ClusterSpec tapered = flat;
  tapered.oversubscription = {2, 2, 1};
  const int64_t n = 256;  // 32 domains: one leaf tier, whose oversubscription applies
  EXPECT_GT(time_of(tapered, n, Collective::kAllToAll, "pairwise", 1e9),
            1.9 * time_of(flat, n, Collective::kAllToAll, "pairwise", 1e9));
  EXPECT_DOUBLE_EQ(time_of(tapered, n, Collective::kAllReduce, "ring", 1e9),
                   time_of(flat, n, Collective::kAllReduce, "ring", 1e9));
}

TEST(WhatIf, SlowdownsFollowTheRules) {
  const ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  for (int64_t n : {int64_t{1000}, int64_t{10000}, int64_t{100000}, int64_t{400000}}) {
    for (double f : {0.5, 0.25, 0.1}) {
      const Degradation link{f, 1.0};
      auto slowdown = [&](const char* algo, Degradation d) {
        return time_of(c, n, Collective::kAllReduce, algo, 1e9, d) /
               time_of(c, n, Collective::kAllReduce, algo, 1e9);
      };
      const double ring = slowdown("ring", link);
      const double tree = slowdown("tree", link);
      const double hier = slowdown("hierarchical", link);
      EXPECT_GE(ring, 1.0);
      EXPECT_GE(tree, 1.0);
      EXPECT_GE(hier, 1.0);
      // The ring is gated by its slowest link; at most 1/f.
      EXPECT_LE(ring, 1.0 / f + 1e-9);
      EXPECT_GE(ring, hier - 1e-9);
      // A double binary tree carries half the data through the slow link.
      EXPECT_LE(tree, std::max(1.0, 0.5 / f) + 1e-9);
      EXPECT_GE(slowdown("hierarchical", {1.0, f}), 1.0);
    }
  }
  // The latency terms dilute a bandwidth loss as n grows.
  EXPECT_GT(time_of(c, 1000, Collective::kAllReduce, "ring", 1e9, {0.5, 1}) /
                time_of(c, 1000, Collective::kAllReduce, "ring", 1e9),
            time_of(c, 400000, Collective::kAllReduce, "ring", 1e9, {0.5, 1}) /
                time_of(c, 400000, Collective::kAllReduce, "ring", 1e9));
}

TEST(Fit, RecoversAKnownModel) {
  // Synthetic ring all_reduce on a 2-core machine: alpha 3 us, beta 1e-3 us/B, contention 2 us
  // per step and 5e-4 us/B per rank beyond the cores.
  std::vector<Measurement1> rows;
  for (int n : {2, 3, 4, 6}) {
    for (double s = 1024; s <= 4 << 20; s *= 4) {
      const double o = std::max(0, n - 2) / 2.0;
      const double t =
          (3.0 + 2.0 * o) * (n - 1) + 1e-3 * (n - 1.0) / n * s + 5e-4 * (n - 1.0) / n * s * o;
      rows.push_back({"all_reduce", n, s, t});
    }
  }
  const Fit fit = fit_measurements(rows, 2);
  const FittedCollective& f = fit.collectives.at("all_reduce");
  EXPECT_EQ(f.form, "ring");
  EXPECT_NEAR(f.alpha_us, 3.0, 0.03);
  EXPECT_NEAR(f.beta_us_per_byte, 1e-3, 1e-5);
  EXPECT_NEAR(f.contention_alpha_us, 2.0, 0.02);
  EXPECT_NEAR(f.contention_us_per_byte, 5e-4, 5e-6);
  EXPECT_LT(f.rel_rms, 1e-6);
  const double t8 = (3.0 + 2.0 * 3) * 7 + 1e-3 * 7.0 / 8 * 1e6 + 5e-4 * 7.0 / 8 * 1e6 * 3.0;
  EXPECT_NEAR(fit.predict_us("all_reduce", 8, 1e6), t8, 1e-6 * t8);
  const Fit again = fit_from_json(fit_to_json(fit), "memory");
  EXPECT_NEAR(again.predict_us("all_reduce", 8, 1e6), t8, 1e-6 * t8);
  EXPECT_THROW(fit_measurements({}, 2), UsageError);
}

}  // namespace
}  // namespace collbench
