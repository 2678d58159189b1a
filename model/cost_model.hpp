#pragma once
// Closed-form alpha-beta-gamma cost models of collective algorithms on a two-level cluster
// (scale-up domains joined by a fat tree). Every formula is O(1) in the number of GPUs; each is
// derived in docs/model.md with its source. Algorithms are rows of a table, per collective.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "collectives/collective.hpp"
#include "model/cluster.hpp"

namespace collbench {

// One component at a fraction of its bandwidth, for what-if questions. 1 = healthy.
struct Degradation {
  double link = 1.0;  // one scale-out link (NIC or cable)
  double gpu = 1.0;   // one GPU: its scale-up bandwidth and reduction rate
};

// Per-byte and per-step costs of one job of n GPUs on the cluster (microseconds).
struct NetworkCosts {
  int64_t n = 1;
  int64_t d = 1;                    // GPUs of the job per domain
  int64_t m = 1;                    // domains
  double a_up = 0, b_up = 0;        // scale-up step latency, us per byte
  double a_out = 0, b_out = 0;      // scale-out step latency (NIC + switch hops), us per byte
  double gamma = 0;                 // us per byte reduced
  double all_pairs_congestion = 1;  // oversubscription met by traffic between arbitrary domains
  int tiers_used = 0;
};

// Healthy costs; algorithms apply a Degradation by their own rules (docs/model.md).
NetworkCosts network_costs(const ClusterSpec& cluster, int64_t n);

struct AlgorithmModel {
  Collective collective;
  std::string_view name;
  // Time in microseconds for `bytes` (nccl-tests' size column) on n GPUs.
  double (*time_us)(const NetworkCosts& c, double bytes, const Degradation& degraded);
};

std::span<const AlgorithmModel> algorithm_models();
const AlgorithmModel* find_algorithm(Collective collective, std::string_view name);

struct Prediction {
  Collective collective;
  std::string algorithm;
  int64_t bytes = 0;
  int64_t nranks = 0;
  double time_us = 0, algbw_GBps = 0, busbw_GBps = 0;
  bool best = false;  // the fastest algorithm of its collective at this size
};

// Every algorithm of each collective at each size, the best marked.
std::vector<Prediction> predict_cluster(const ClusterSpec& cluster, int64_t n,
                                        const std::vector<Collective>& collectives,
                                        const std::vector<int64_t>& sizes,
                                        const Degradation& degraded = {});

Prediction make_prediction(Collective collective, std::string algorithm, int64_t bytes, int64_t n,
                           double time_us);

}  // namespace collbench
