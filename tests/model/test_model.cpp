// The scale model: cluster files and presets, fabric capacity, properties every prediction must
// keep (no link exceeded, no algorithm beating its bound, time never falling as size grows),
// NCCL's structure (node-aware rings over every NIC, NVLS and SHARP only where they exist),
// what-if rules, and calibration recovering known multipliers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "core/errors.hpp"
#include "model/calibrate.hpp"
#include "model/cost_model.hpp"
#include "model/fit.hpp"

namespace collbench {
namespace {

std::string write_file(const std::string& text) {
  char name[] = "/tmp/collbench-cluster-XXXXXX";
  const int fd = mkstemp(name);
  std::FILE* f = fdopen(fd, "w");
  std::fputs(text.c_str(), f);
  std::fclose(f);
  return name;
}

std::string load_error(const std::string& text) {
  try {
    load_cluster(write_file(text));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

Estimate choice(const ClusterSpec& c, int64_t n, Collective coll, double bytes, NcclEnv env = {},
                Degradation d = {}) {
  return tuner_choice(place_job(c, n, d), coll, bytes, env);
}

double busbw(const Estimate& e, Collective coll, double bytes, int64_t n) {
  return make_prediction(coll, e, static_cast<int64_t>(bytes), n).busbw_GBps;
}

TEST(Cluster, PresetsAreValidAndDescribeTheirSystems) {
  for (const std::string& name : cluster_preset_names()) {
    const ClusterSpec c = cluster_preset(name);
    EXPECT_NO_THROW(validate_cluster(c, name)) << name;
    EXPECT_FALSE(c.source.empty()) << name;
    EXPECT_FALSE(c.assumptions.empty()) << name;
  }
  EXPECT_EQ(cluster_preset("gb200-nvl72-xdr800").gpus_per_domain, 72);
  EXPECT_EQ(cluster_preset("gb200-nvl72-xdr800").nic_Gbps, 800);
  EXPECT_EQ(cluster_preset("hgx-h200-ndr400").gpus_per_domain, 8);
  const ClusterSpec campus = cluster_preset("gb200-campus-400k");
  EXPECT_GE(campus.gpus, 400000);
  EXPECT_GT(campus.planes, 1);
  EXPECT_GE(fabric_gpus(campus), static_cast<double>(campus.gpus));
  EXPECT_THROW(cluster_preset("dgx-1"), UsageError);
}

TEST(Cluster, FilesAreValidatedFieldByField) {
  const ClusterSpec c = load_cluster(write_file(
      R"({"preset": "hgx-h100-ndr400", "gpus": 2048, "tiers": [{"radix": 64, "oversubscription": 1},
         {"radix": 64}], "nvls": false})"));
  EXPECT_EQ(c.gpus, 2048);
  EXPECT_FALSE(c.nvls);
  EXPECT_EQ(c.tiers.size(), 2u);
  // Each message names the file and the field.
  const std::string path_marker = "/tmp/collbench-cluster-";
  const std::string unknown = load_error(R"({"gpu": 8})");
  EXPECT_NE(unknown.find(path_marker), std::string::npos) << unknown;
  EXPECT_NE(unknown.find(": gpu: unknown field"), std::string::npos) << unknown;
  EXPECT_NE(load_error(R"({"nic_Gbps": "fast"})").find("nic_Gbps: must be a number, not string"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"gpus": 2000000})").find("gpus: must be 1 to 1,000,000"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"preset": "dgx-1"})").find("preset: unknown preset 'dgx-1'"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tiers": [{"radix": 64, "oversubscription": 0.5}]})")
                .find("tiers[0].oversubscription"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"tiers": [{"radix": 64, "ports": 3}]})").find("tiers[0].ports: unknown"),
            std::string::npos);
  // Inconsistent tiers: a spine of 16 ports cannot take the 32 up links of a 64-port leaf.
  EXPECT_NE(load_error(R"({"tiers": [{"radix": 64}, {"radix": 16}]})").find("tiers[1].radix"),
            std::string::npos);
  // More GPUs than the tiers hold.
  EXPECT_NE(load_error(R"({"preset": "hgx-h100-ndr400", "gpus": 4096})").find("gpus: 4096 GPUs"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"gpus_per_node": 8, "gpus_per_domain": 12})").find("gpus_per_domain"),
            std::string::npos);
  EXPECT_NE(load_error("{oops").find("not valid JSON"), std::string::npos);
}

TEST(Cluster, FileErrorsNameTheLineOfTheValue) {
  // "FILE:LINE: field: reason": the line of the value at fault, or of the object lacking a field.
  const std::string text =
      "{\n"
      "  \"preset\": \"hgx-h100-ndr400\",\n"
      "  \"tiers\": [\n"
      "    {\"radix\": 64},\n"
      "    {\"radix\": 16}\n"
      "  ],\n"
      "  \"gpus\":\n"
      "    4096\n"
      "}\n";
  const std::string path = write_file(text);
  auto error_of = [&](const std::string& body) {
    std::ofstream(path, std::ios::trunc) << body;
    try {
      load_cluster(path);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of(text).rfind(path + ":5: tiers[1].radix: cannot take", 0), 0u)
      << error_of(text);
  std::string gpus = text;
  gpus.replace(gpus.find("{\"radix\": 16}"), 13, "{\"radix\": 64}");
  EXPECT_EQ(error_of(gpus).rfind(path + ":8: gpus: ", 0), 0u) << error_of(gpus);
  std::string unknown = text;
  unknown.replace(unknown.find("{\"radix\": 16}"), 13, "{\"radix\": 64,\n\"ports\": 2}");
  EXPECT_EQ(error_of(unknown).rfind(path + ":6: tiers[1].ports: unknown field", 0), 0u)
      << error_of(unknown);
  // A check on a value the file does not give (here from the preset) names the cluster object.
  EXPECT_EQ(error_of("{\"preset\": \"hgx-h100-ndr400\",\n\n\"gpus_per_node\": 16}")
                .rfind(path + ":1: gpus_per_domain: must be a multiple", 0),
            0u);
}

TEST(Fabric, CapacityFollowsTheClos) {
  ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  c.tiers = {{64, 1}};
  EXPECT_DOUBLE_EQ(fabric_endpoints(c), 64);  // one switch
  c.tiers = {{64, 1}, {64, 1}};
  EXPECT_DOUBLE_EQ(fabric_endpoints(c), 64 * 32);  // r^2 / 2
  c.tiers = {{64, 1}, {64, 1}, {64, 1}};
  EXPECT_DOUBLE_EQ(fabric_endpoints(c), 64.0 * 32 * 32);  // r^3 / 4
  c.tiers = {{64, 3}, {64, 1}};
  EXPECT_DOUBLE_EQ(fabric_endpoints(c), 48 * 64);  // 3:1 leaves: 48 down, 16 up
  // A job climbs only the tiers it needs.
  c.tiers = {{64, 1}, {64, 1}, {64, 1}};
  EXPECT_EQ(tiers_used(c, 8), 1);
  EXPECT_EQ(tiers_used(c, 200), 2);
  EXPECT_EQ(tiers_used(c, 1000), 3);
}

TEST(Fabric, RequestsBeyondTheFabricAreRefusedUnlessExtended) {
  ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  EXPECT_THROW(place_job(c, 400000), UsageError);
  try {
    place_job(c, 4096);
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("ranks: 4096 exceed"), std::string::npos) << e.what();
  }
  extend_fabric(c, 400000);
  EXPECT_GE(fabric_gpus(c), 400000);
  EXPECT_GT(c.tiers.size(), 2u);
  EXPECT_NO_THROW(validate_cluster(c, "extended"));
  EXPECT_NO_THROW(place_job(c, 400000));
}

// Raw line rates: what no prediction may exceed.
double nvlink_line(const ClusterSpec& c) {
  return (c.nvlink_generation >= 5 ? 50.0 : 25.0) * c.nvlink_links;
}
double rails_line(const ClusterSpec& c, const Job& j) {
  return std::ceil(static_cast<double>(j.d) * c.nics_per_node / c.gpus_per_node) * c.nic_Gbps / 8;
}

// The link traffic an estimate implies, per direction, against the line rate of that link.
void expect_within_links(const ClusterSpec& c, const Job& j, Collective coll, const Estimate& e,
                         double bytes) {
  const double algbw = bytes / (e.time_us * 1e3);
  const double n = static_cast<double>(j.n), d = static_cast<double>(j.d);
  const double busbw = make_prediction(coll, e, static_cast<int64_t>(bytes), j.n).busbw_GBps;
  const std::string what = std::string(algorithm_name(e.algorithm)) + "/" +
                           std::string(protocol_name(e.protocol)) + " " + c.name +
                           " n=" + std::to_string(j.n) + " bytes=" + std::to_string(bytes);
  switch (e.algorithm) {
    case Algorithm::kRing:  // every byte of busbw crosses each ring link, NVLink or a rail
      EXPECT_LE(busbw, nvlink_line(c)) << what;
      if (j.m > 1) {
        EXPECT_LE(busbw, rails_line(c, j)) << what;
      }
      break;
    case Algorithm::kTree:  // a chain: each GPU sends S up and S down
      EXPECT_LE(2 * algbw, nvlink_line(c)) << what;
      break;
    case Algorithm::kNvls:
    case Algorithm::kNvlsTree:  // S (1 + 1/d) per direction through the switch
      EXPECT_LE(algbw * (1 + 1 / d), nvlink_line(c)) << what;
      if (j.m > 1) {
        EXPECT_LE(algbw, 2 * rails_line(c, j)) << what;
      }
      break;
    case Algorithm::kP2p:
      EXPECT_LE(algbw * (d - 1) / n, nvlink_line(c)) << what;
      EXPECT_LE(algbw * (n - d) / n, c.nics_per_node * c.nic_Gbps / 8 / c.gpus_per_node) << what;
      break;
    default:
      EXPECT_LE(algbw, rails_line(c, j)) << what;
  }
}

TEST(Properties, NoLinkExceededNoBoundBeatenTimeNeverFalls) {
  const std::vector<Collective> collectives = {Collective::kAllReduce, Collective::kAllGather,
                                               Collective::kReduceScatter, Collective::kAllToAll};
  int checked = 0;
  for (const std::string& name : cluster_preset_names()) {
    for (int64_t n : {2, 8, 16, 72, 144, 1000, 65536, 400000}) {
      ClusterSpec c = cluster_preset(name);
      extend_fabric(c, n);
      const Job job = place_job(c, n);
      for (Collective coll : collectives) {
        for (bool collnet : {false, true}) {
          NcclEnv env;
          env.collnet = collnet;
          std::vector<Estimate> previous;
          double previous_choice = 0;
          for (double bytes = 8; bytes < 3e10; bytes *= 1.37) {
            std::vector<Estimate> all;
            estimate_all(job, coll, bytes, env, all);
            ASSERT_FALSE(all.empty());
            for (std::size_t i = 0; i < all.size(); ++i) {
              const Estimate& e = all[i];
              EXPECT_GT(e.time_us, 0);
              EXPECT_LE(busbw(e, coll, bytes, n), e.bound_busbw * (1 + 1e-9))
                  << algorithm_name(e.algorithm) << " " << name << " " << n;
              expect_within_links(c, job, coll, e, bytes);
              if (!previous.empty()) {
                EXPECT_GE(e.time_us, previous[i].time_us * (1 - 1e-12))
                    << algorithm_name(e.algorithm) << "/" << protocol_name(e.protocol) << " "
                    << name << " n=" << n << " at " << bytes;
              }
              ++checked;
            }
            const double t = tuner_choice(job, coll, bytes, env).time_us;
            EXPECT_GE(t, previous_choice);
            previous_choice = t;
            previous = all;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(Structure, RingsAcrossNodesUseEveryNic) {
  const ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  NcclEnv ring;
  ring.algorithm = Algorithm::kRing;
  // 16 nodes of 8 H100: NCCL's node-aware rings leave each node on all 8 NICs, so busbw is
  // 8 x 48 GB/s, not one NIC's 48.
  const double bw =
      busbw(choice(c, 128, Collective::kAllReduce, 16e9, ring), Collective::kAllReduce, 16e9, 128);
  EXPECT_GT(bw, 300);
  EXPECT_LT(bw, 8 * 50.0);
  // Inside one node the ring runs at NCCL's NVLink rate (18 links x 20.6 GB/s).
  const double one =
      busbw(choice(c, 8, Collective::kAllReduce, 16e9, ring), Collective::kAllReduce, 16e9, 8);
  EXPECT_NEAR(one, 18 * 20.6, 5);
}

TEST(Structure, NvlsAndSharpOnlyWhereTheyExist) {
  ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  EXPECT_EQ(choice(c, 8, Collective::kAllReduce, 8e9).algorithm, Algorithm::kNvls);
  c.nvls = false;
  for (double bytes : {8.0, 1e6, 8e9}) {
    const Algorithm a = choice(c, 64, Collective::kAllReduce, bytes).algorithm;
    EXPECT_NE(a, Algorithm::kNvls);
    EXPECT_NE(a, Algorithm::kNvlsTree);
  }
  // SHARP needs the fabric and NCCL_COLLNET_ENABLE.
  NcclEnv collnet;
  collnet.collnet = true;
  collnet.algorithm = Algorithm::kCollnetChain;
  c.sharp = false;
  EXPECT_NE(choice(c, 64, Collective::kAllReduce, 8e9, collnet).algorithm,
            Algorithm::kCollnetChain);
  c.sharp = true;
  EXPECT_EQ(choice(c, 64, Collective::kAllReduce, 8e9, collnet).algorithm,
            Algorithm::kCollnetChain);
  NcclEnv off;
  off.algorithm = Algorithm::kCollnetChain;  // forced, but CollNet is not enabled
  EXPECT_NE(choice(c, 64, Collective::kAllReduce, 8e9, off).algorithm, Algorithm::kCollnetChain);
}

TEST(Structure, SmallMessagesPayLatencyLargeOnesBandwidth) {
  const ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  const Estimate small = choice(c, 8, Collective::kAllReduce, 1024);
  EXPECT_EQ(small.protocol, Protocol::kLL);
  EXPECT_GT(small.time_us, c.launch_us);
  EXPECT_EQ(choice(c, 8, Collective::kAllReduce, 8e9).protocol, Protocol::kSimple);
  // A flat ring at 400,000 GPUs pays 2(n-1) steps; NCCL's tuner picks a hierarchical algorithm.
  ClusterSpec big = cluster_preset("hgx-h100-ndr400");
  extend_fabric(big, 400000);
  const Job job = place_job(big, 400000);
  NcclEnv ring;
  ring.algorithm = Algorithm::kRing;
  EXPECT_GT(tuner_choice(job, Collective::kAllReduce, 1e9, ring).time_us,
            10 * tuner_choice(job, Collective::kAllReduce, 1e9, {}).time_us);
}

TEST(Structure, AllToAllMeetsOversubscriptionAndRails) {
  ClusterSpec flat = cluster_preset("hgx-h100-ndr400");
  ClusterSpec tapered = flat;
  tapered.tiers = {{64, 2}, {64, 1}};
  tapered.gpus = 1024;
  const int64_t n = 512;  // 64 nodes: beyond one leaf, so leaf uplinks are crossed
  const double t_flat = choice(flat, n, Collective::kAllToAll, 1e9).time_us;
  const double t_tapered = choice(tapered, n, Collective::kAllToAll, 1e9).time_us;
  EXPECT_NEAR(t_tapered / t_flat, 2.0, 0.1);
  // Rings stay on their rails: oversubscription does not slow them.
  NcclEnv ring;
  ring.algorithm = Algorithm::kRing;
  EXPECT_DOUBLE_EQ(choice(tapered, n, Collective::kAllReduce, 1e9, ring).time_us,
                   choice(flat, n, Collective::kAllReduce, 1e9, ring).time_us);
  // A rail-only fabric relays cross-rail traffic over NVLink: never faster.
  ClusterSpec rail_only = flat;
  rail_only.any_to_any = false;
  EXPECT_GE(choice(rail_only, n, Collective::kAllToAll, 1e9).time_us, t_flat);
  // One domain: NVLink only, no NIC.
  const Estimate inside = choice(flat, 8, Collective::kAllToAll, 1e9);
  EXPECT_NEAR(busbw(inside, Collective::kAllToAll, 1e9, 8), 18 * 20.6, 20);
}

TEST(WhatIf, SlowdownsFollowTheRules) {
  ClusterSpec c = cluster_preset("hgx-h100-ndr400");
  extend_fabric(c, 400000);
  for (int64_t n : {int64_t{1000}, int64_t{10000}, int64_t{400000}}) {
    for (double f : {0.5, 0.25, 0.1}) {
      auto time = [&](Algorithm a, Degradation d) {
        NcclEnv env;
        env.algorithm = a;
        return choice(c, n, Collective::kAllReduce, 1e9, env, d).time_us;
      };
      const double ring = time(Algorithm::kRing, {f, 1}) / time(Algorithm::kRing, {});
      const double tree = time(Algorithm::kTree, {f, 1}) / time(Algorithm::kTree, {});
      EXPECT_GE(ring, 1.0);
      EXPECT_LE(ring, 1.0 / f + 1e-9);  // a ring waits for its slowest link, no more
      EXPECT_GE(tree, 1.0);
      EXPECT_LE(tree, std::max(1.0, 0.5 / f) + 1e-9);  // half the data crosses the slow link
      EXPECT_GE(time(Algorithm::kRing, {1, f}), time(Algorithm::kRing, {}));
    }
  }
}

TEST(WhatIf, PlanesShareALinkLoss) {
  ClusterSpec one = cluster_preset("gb200-campus-400k");
  one.planes = 1;
  ClusterSpec two = one;
  two.planes = 2;
  NcclEnv ring;
  ring.algorithm = Algorithm::kRing;
  auto slowdown = [&](const ClusterSpec& c) {
    return choice(c, 1440, Collective::kAllReduce, 16e9, ring, {0.5, 1}).time_us /
           choice(c, 1440, Collective::kAllReduce, 16e9, ring).time_us;
  };
  // Half of one plane's link: the NIC keeps 3/4 of its bandwidth with two planes, 1/2 with one.
  EXPECT_GT(slowdown(one), slowdown(two));
  EXPECT_GT(slowdown(two), 1.0);
}

TEST(Calibration, RecoversMultipliersAndCarriesThemToLargerJobs) {
  const ClusterSpec c = cluster_preset("gb200-nvl72-ndr400");
  const Calibration truth{0.8, 0.6, 1.5};
  std::vector<CalibrationPoint> small, large;
  for (int64_t n : {72, 144, 288}) {
    for (double bytes = 1e3; bytes <= 1e10; bytes *= 10) {
      CalibrationPoint p{n, Collective::kAllReduce, bytes, 0, {}};
      p.time_us = calibrated_time_us(c, p, truth);
      small.push_back(p);
    }
  }
  const CalibrationFit fit = calibrate(c, small);
  EXPECT_NEAR(fit.calibration.scaleup, 0.8, 0.04);
  EXPECT_NEAR(fit.calibration.scaleout, 0.6, 0.03);
  EXPECT_NEAR(fit.calibration.latency, 1.5, 0.08);
  EXPECT_LT(fit.rms_log_error, 0.02);
  for (double bytes = 1e3; bytes <= 1e10; bytes *= 10) {
    CalibrationPoint p{1152, Collective::kAllReduce, bytes, 0, {}};
    const double want = calibrated_time_us(c, p, truth);
    EXPECT_NEAR(calibrated_time_us(c, p, fit.calibration) / want, 1.0, 0.05) << bytes;
  }
  EXPECT_THROW(calibrate(c, {}), UsageError);
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
