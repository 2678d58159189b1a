#pragma once
// NCCL's collective algorithms and protocols as closed forms on a cluster description: for each
// (algorithm, protocol) NCCL has for a collective, a latency from NCCL's tuning constants and a
// bandwidth from the hardware (NVLink, NICs, fabric), then the choice NCCL's tuner would make.
// Every formula is O(1) in the number of GPUs; docs/model.md derives each one.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectives/collective.hpp"
#include "model/cluster.hpp"

namespace collbench {

enum class Algorithm : uint8_t {
  kRing,
  kTree,
  kNvls,
  kNvlsTree,
  kCollnetDirect,
  kCollnetChain,
  kPat,
  kP2p,  // all_to_all: one send and one receive per peer
};
enum class Protocol : uint8_t { kLL, kLL128, kSimple };

std::string_view algorithm_name(Algorithm a);
std::string_view protocol_name(Protocol p);
std::optional<Algorithm> parse_algorithm(std::string_view text);  // also NCCL's spellings
std::optional<Protocol> parse_protocol(std::string_view text);

// What NCCL is allowed to use, as its environment would say.
struct NcclEnv {
  bool collnet = false;                // NCCL_COLLNET_ENABLE=1 (SHARP needs it)
  std::optional<Algorithm> algorithm;  // NCCL_ALGO
  std::optional<Protocol> protocol;    // NCCL_PROTO
};

// One component at a fraction of its bandwidth, for what-if questions. 1 = healthy.
struct Degradation {
  double link = 1.0;  // one scale-out link (NIC or cable)
  double gpu = 1.0;   // one GPU: its NVLink
};

// Per-system corrections learnt by `model fit` (1 = the spec as published).
struct Calibration {
  double scaleup = 1.0;   // multiplies NVLink bandwidth
  double scaleout = 1.0;  // multiplies NIC bandwidth
  double latency = 1.0;   // multiplies every latency term
};

// A job of n GPUs placed on whole domains of the cluster. Bandwidths in GB/s (= bytes per ns),
// latencies in microseconds.
struct Job {
  int64_t n = 1;
  int64_t d = 1;          // the job's GPUs per NVLink domain (NCCL's ranks per node)
  int64_t m = 1;          // domains (NCCL's nodes)
  int64_t nodes = 1;      // OS nodes
  double nvlink = 0;      // per GPU
  double nic = 0;         // per NIC
  double rails = 0;       // NICs NCCL's rings and trees drive per domain
  double gpu_nic = 0;     // NIC bandwidth per GPU (all_to_all)
  double congestion = 1;  // oversubscription met by traffic between arbitrary nodes
  double path_us = 0;     // switch traversals of one network step
  int tiers = 0;
  double link_share = 1;  // a degraded link's fraction (rings wait for it)
  int generation = 4;
  bool nvls = false, sharp = false, rail_only = false;
  double per_rank_us = 0;  // per rank and operation when the job's NVLink domain spans OS nodes
  std::string cpu;
  double launch_us = 0;
  double latency_scale = 1;
};

// Throws UsageError if the fabric cannot hold n GPUs (extend it first with extend_fabric).
Job place_job(const ClusterSpec& cluster, int64_t n, const Degradation& degraded = {},
              const Calibration& calibration = {});

struct Estimate {
  Algorithm algorithm;
  Protocol protocol;
  double time_us = 0;
  double bound_busbw = 0;  // the algorithm's busbw with no latency: no size can beat it
};

// One estimate per (algorithm, protocol) NCCL has for the collective on this job, honouring
// the environment's algorithm and protocol filters. S is nccl-tests' size column.
void estimate_all(const Job& job, Collective collective, double bytes, const NcclEnv& env,
                  std::vector<Estimate>& out);
// The tuner's pick: the fastest estimate.
Estimate tuner_choice(const Job& job, Collective collective, double bytes, const NcclEnv& env);

struct Prediction {
  Collective collective;
  Algorithm algorithm;
  Protocol protocol;
  int64_t bytes = 0;
  int64_t nranks = 0;
  double time_us = 0, algbw_GBps = 0, busbw_GBps = 0, bound_busbw_GBps = 0;
  bool chosen = false;  // NCCL's tuner would run this one
};

Prediction make_prediction(Collective collective, const Estimate& e, int64_t bytes, int64_t n);

// Each algorithm's fastest protocol (or every protocol with all_protocols) for each collective
// and size, NCCL's choice marked.
std::vector<Prediction> predict_cluster(const Job& job, const std::vector<Collective>& collectives,
                                        const std::vector<int64_t>& sizes, const NcclEnv& env = {},
                                        bool all_protocols = false);

}  // namespace collbench
