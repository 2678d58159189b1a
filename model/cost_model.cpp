#include "model/cost_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/errors.hpp"
#include "model/nccl_tuning.hpp"

namespace collbench {
namespace {

using namespace collbench::nccl;  // NOLINT: the constants read as NCCL names them

// Rings and trees leave a domain through at most this many NICs at once. Measured, not derived:
// an HGX node has 8 NICs anyway (4 H100 nodes over 8 x 400G reach 320 GB/s busbw, NVIDIA/nccl
// issue 1221), but a GB200 NVL72 rack has 72, and 20 racks reach only ~410 GB/s (CoreWeave, NCCL
// 2.26): NCCL drives a bounded number of network channels per domain, not every NIC.
constexpr double kMaxRails = 8;
// Ring and tree channels inside one NVLink domain (NCCL searches 16 or more on NVSwitch systems;
// only the per-channel LL128 and tree caps use it).
constexpr double kDomainChannels = 16;
// all_to_all: NCCL posts one send and one receive per peer; the cost of each (us) is an
// assumption (docs/model.md), visible only at thousands of ranks.
constexpr double kPeerUs = 0.1;
// On an NVLink domain that spans several OS nodes (GB200 NVL72's trays) the published curves
// have a fixed cost per operation that grows with the communicator: intercepts of ~0.56 ms at 72
// GPUs, ~0.9 ms at 144 and ~4.6 ms at 1,440 (CoreWeave, NCCL 2.26), about 2.8 us per rank, the
// rate NCCL's tuner charges PAT for its own linear part (kPatPerRank); the cluster's
// mnnvl_rank_us holds it (default 2.8). HGX systems show none: 1,984 H200s finish a 512 MiB
// all_reduce in 3 ms. The model charges it to the algorithms whose NCCL latency is logarithmic
// (tree, NVLS, NVLS-tree, CollNet) on such domains only; a ring already pays 2(n-1) steps.
// Fitted to the GB200 series, not derived (docs/model.md).
double per_rank_us(const Job& j) {
  return j.per_rank_us * static_cast<double>(j.n);
}

constexpr const char* kAlgorithmNames[] = {"ring",           "tree",          "nvls", "nvls_tree",
                                           "collnet_direct", "collnet_chain", "pat",  "p2p"};
constexpr const char* kProtocolNames[] = {"LL", "LL128", "Simple"};

int log2_floor(int64_t x) {
  int l = 0;
  while (x > 1) {
    x >>= 1;
    ++l;
  }
  return l;
}

// NCCL looks the tree correction up by log2 of the size; interpolating between its points (and
// easing to 1 past the table) keeps time non-decreasing in size, which a step function does not.
double tree_correction(int protocol, double bytes) {
  const auto& row = kTreeCorrection[static_cast<std::size_t>(protocol)];
  const double x = std::log2(std::max(bytes, 1.0) / 64.0);
  if (x <= 0) return row[0];
  if (x >= 23) return 1.0;
  const int i = static_cast<int>(x);
  const double next = i + 1 < 23 ? row[static_cast<std::size_t>(i + 1)] : 1.0;
  return row[static_cast<std::size_t>(i)] + (next - row[static_cast<std::size_t>(i)]) * (x - i);
}

// NCCL indexes several caps by node count: one node, two, more.
int node_index(const Job& j) {
  return j.m <= 1 ? 0 : j.m == 2 ? 1 : 2;
}

// NCCL's generation row: Ampere, Hopper, Blackwell.
int generation_index(const Job& j) {
  return j.generation <= 3 ? kAmpere : j.generation == 4 ? kHopper : kBlackwell;
}

double ll_max(const Job& j) {
  if (j.m == 1) return kLLMaxOneNode[generation_index(j)][0];
  return (j.cpu == "x86-amd" ? kLLMaxAmd : kLLMaxIntel)[node_index(j)];
}

double net_overhead(const Job& j) {
  if (j.cpu == "x86-intel") return kNetOverheadIntel;
  if (j.cpu == "x86-amd") return kNetOverheadAmd;
  return kNetOverheadOther;
}

// Bandwidth of the domain's rails, what rings and trees push across the fabric.
double rail_GBps(const Job& j) {
  return j.rails * j.nic * j.link_share;
}

struct Sizes {
  Collective collective;
  double bytes;
};

double us_for(double bytes, double GBps) {
  return GBps > 0 ? bytes / (GBps * 1e3) : 1e30;
}

// Appends an estimate from an algorithm bandwidth (GB/s) and a latency (us).
void add(std::vector<Estimate>& out, const Job& j, const Sizes& s, Algorithm a, Protocol p,
         double algbw, double latency, double bound_algbw) {
  const double factor =
      collective_spec(s.collective).bus_factor(static_cast<int>(std::min<int64_t>(j.n, 1 << 30)));
  out.push_back({a, p, j.launch_us + latency * j.latency_scale + us_for(s.bytes, algbw),
                 bound_algbw * factor});
}

void ring(const Job& j, const Sizes& s, std::vector<Estimate>& out) {
  const bool all_reduce = s.collective == Collective::kAllReduce;
  const double n = static_cast<double>(j.n);
  const double steps = all_reduce ? 2 * (n - 1) : n - 1;
  const double inter_steps = j.m == 1 ? 0 : (all_reduce ? 2.0 : 1.0) * static_cast<double>(j.m - 1);
  const double bw = j.m > 1 ? std::min(j.nvlink, rail_GBps(j)) : j.nvlink;
  const double channels = j.m > 1 ? 2 * j.rails : kDomainChannels;
  const double ll128_cap = kPerChRingLL128[generation_index(j)][node_index(j)];
  for (int p = kLL; p <= kSimple; ++p) {
    double bus = bw;
    if (p == kLL) bus = std::min(ll_max(j), bw * kLLShare);
    if (p == kLL128) bus = std::min(bw * kLL128Share, channels * ll128_cap);
    double intra = kNvlinkRing[p];
    if (j.m > 1) intra = std::max(intra, net_overhead(j) * (p == kSimple ? 3 : 1));
    // With one GPU per node every step is a network step, at the tree's network latency.
    const double inter = (j.d == 1 ? kNetTree[p] : kNetRing[p]) + j.path_us;
    double latency = kBaseRing[p] + (steps - inter_steps) * intra + inter_steps * inter;
    if (all_reduce && p == kSimple && j.m > 1 && s.bytes / (channels * n) >= 64) {
      latency *= kRingPlateau;
    }
    const double algbw = bus * n / steps;
    add(out, j, s, Algorithm::kRing, static_cast<Protocol>(p), algbw, latency, algbw);
  }
}

// Double binary tree across domains, a chain inside each (all_reduce only).
void tree(const Job& j, const Sizes& s, std::vector<Estimate>& out) {
  // Two domains: each tree's root half crosses once, so the rails carry half the data each way.
  const double rails = rail_GBps(j) * std::min(1.0, 2 * j.link_share) / j.link_share;
  const double bw = j.m == 1 ? j.nvlink : std::min(j.nvlink, (j.m <= 2 ? 2 : 1) * rails);
  const double channels = j.m > 1 ? 2 * j.rails : kDomainChannels;
  const int ni = node_index(j), gi = generation_index(j);
  const double base = std::min(bw * kTreeShare, channels * kPerChTree[gi][ni]);
  const double levels = log2_floor(j.m);
  for (int p = kLL; p <= kSimple; ++p) {
    double bus = base;
    if (p == kLL) bus = std::min(base * kTreeLLShare, ll_max(j));
    if (p == kLL128) {
      bus = std::min(base * (j.m == 1 ? kTreeLL128OneNode : kTreeLL128Nodes),
                     channels * kPerChTreeLL128[gi][ni]);
    }
    const double latency =
        kBaseTree[p] +
        2 * (static_cast<double>(j.d - 1) * kNvlinkTree[p] + levels * (kNetTree[p] + j.path_us)) +
        per_rank_us(j);
    const double algbw = bus * kTreeRatio;
    add(out, j, s, Algorithm::kTree, static_cast<Protocol>(p), algbw * tree_correction(p, s.bytes),
        latency, algbw);
  }
}

// NVLink SHARP as NCCL 2.28 estimates it: nvls channels, each at the fastest speed of the
// generation's table that all channels together fit in the GPU's NVLink; the switch reduction
// runs at a per-generation efficiency, one channel is spent on coordination, and all_reduce
// pipelines its reduce-scatter and all-gather halves (x2). Across domains each channel also
// carries its share of the rails.
struct NvlsGraph {
  double channels = 0, speed = 0;
};

NvlsGraph nvls_graph(const Job& j) {
  NvlsGraph g;
  const int gi = generation_index(j);
  g.channels = gi == kBlackwell
                   ? (j.m == 1 ? kNvlsChannelsBlackwellOneDomain : kNvlsChannelsBlackwell)
                   : kNvlsChannelsHopper;
  auto pick = [&](const auto& speeds) {
    for (double speed : speeds) {
      g.speed = speed;
      if (speed * g.channels <= j.nvlink) break;
    }
  };
  if (gi == kBlackwell) {
    pick(kSpeedsIntraBlackwell);
  } else if (gi == kHopper) {
    pick(kSpeedsIntraHopper);
  } else {
    pick(kSpeedsIntraAmpere);
  }
  return g;
}

double nvls_intra_per_channel(const Job& j, const NvlsGraph& g, bool all_reduce) {
  const double d = static_cast<double>(j.d);
  return g.speed * kNvlsEfficiency[static_cast<std::size_t>(generation_index(j))] *
         (g.channels - 1) / g.channels * (all_reduce ? 2.0 : (d - 1) / d);
}

// Whatever NCCL estimates, each GPU moves S (1 + 1/d) per direction through the switch (the
// multimem reduce loads S and returns S/d, the multicast store sends S/d and delivers S), so the
// algorithm bandwidth cannot pass nvlink / (1 + 1/d); NCCL's x2 pipelining estimate does for
// small domains (d = 2).
double nvls_traffic_bound(const Job& j) {
  return j.nvlink / (1 + 1.0 / static_cast<double>(j.d));
}

// Latency: NCCL's 25 us, then per GPU of the domain, since every NVLS step waits for all of
// them through the switch (at the same 2.8 us; ND H100 v5's large-size line meets the axis at
// 50-120 us against NCCL's 25), and per rank on multi-node NVLink (per_rank_us).
double nvls_latency(const Job& j) {
  return kNvlinkNvls + kPatPerRank * static_cast<double>(j.d) + per_rank_us(j);
}

void nvls(const Job& j, const Sizes& s, std::vector<Estimate>& out) {
  const NvlsGraph g = nvls_graph(j);
  const bool all_reduce = s.collective == Collective::kAllReduce;
  double per_channel = nvls_intra_per_channel(j, g, all_reduce);
  if (j.m > 1) per_channel = std::min(per_channel, rail_GBps(j) / g.channels);
  const double bus = g.channels * per_channel;
  const double latency = nvls_latency(j) + (j.m > 1 ? kNetNvls + j.path_us : 0);
  const double n = static_cast<double>(j.n);
  // all_gather and reduce_scatter: NCCL charges the whole buffer at the bus bandwidth.
  const double algbw =
      all_reduce ? std::min(bus * n / (2 * (n - 1)), nvls_traffic_bound(j)) : bus * n / (n - 1);
  const double charged = all_reduce ? algbw : bus;
  add(out, j, s, Algorithm::kNvls, Protocol::kSimple, charged, latency, algbw);
}

// NVLS inside each domain, a tree of domains across the fabric: with two domains each tree
// crosses once each way (x2 per channel), beyond two the tree's inner nodes send and receive
// twice; NCCL caps each channel (perChMaxNVLSTreeBws).
void nvls_tree(const Job& j, const Sizes& s, std::vector<Estimate>& out) {
  const NvlsGraph g = nvls_graph(j);
  const double inter = rail_GBps(j) * std::min(1.0, 2 * j.link_share) / j.link_share / g.channels *
                       (j.m <= 2 ? 2.0 : 1.0);
  const double cap = kPerChNvlsTree[generation_index(j)][node_index(j)];
  const double per_channel =
      std::min({nvls_intra_per_channel(j, g, true), inter, cap > 0 ? cap : 1e30});
  const double n = static_cast<double>(j.n);
  const double algbw =
      std::min(g.channels * per_channel * n / (2 * (n - 1)), nvls_traffic_bound(j));
  const double latency = nvls_latency(j) + 2 * log2_floor(j.m) * (kNetNvlsTree + j.path_us);
  add(out, j, s, Algorithm::kNvlsTree, Protocol::kSimple, algbw, latency, algbw);
}

// SHARP in the fabric (CollNet): NCCL's estimate is 0.9 x the bandwidth at the tree ratio.
void collnet(const Job& j, const Sizes& s, std::vector<Estimate>& out) {
  const double bw = std::min(j.nvlink, rail_GBps(j)) * kCollnetShare * kTreeRatio;
  const double d = static_cast<double>(j.d);
  const double direct_latency = 2 * (std::min(1.0, d - 1) * kNvlinkCollnetDirect + (d - 1) * 0.4) +
                                kNetCollnetDirect + j.path_us + per_rank_us(j);
  const double direct_bw = bw * (j.generation >= 4 ? kCollnetDirectHopper : 1.0);
  add(out, j, s, Algorithm::kCollnetDirect, Protocol::kSimple, direct_bw, direct_latency,
      direct_bw);
  const double chain_latency =
      2 * (d - 1) * kNvlinkCollnetChain + kNetCollnetChain + j.path_us + per_rank_us(j);
  add(out, j, s, Algorithm::kCollnetChain, Protocol::kSimple, bw, chain_latency, bw);
}

// PAT (one GPU per node): all_gather and reduce_scatter in log2 steps, with a per-rank term;
// NCCL charges the whole buffer.
void pat(const Job& j, const Sizes& s, std::vector<Estimate>& out) {
  const double bus = std::min(j.nvlink, rail_GBps(j)) * kPatShare;
  const double latency = kBasePat + log2_floor(j.m) * (kNetPat + j.path_us) / kPatLogDivisor +
                         static_cast<double>(j.n) * kPatPerRank;
  const double n = static_cast<double>(j.n);
  add(out, j, s, Algorithm::kPat, Protocol::kSimple, bus, latency, bus * n / (n - 1));
}

// all_to_all: S (n-1)/n leaves each GPU, (d-1)/n of it over NVLink and (n-d)/n through its share
// of the node's NICs, slowed by the oversubscription between nodes. A rail-only fabric has no
// path between rails, so traffic first crosses NVLink to the GPU on the destination's rail (PXN).
void p2p(const Job& j, const Sizes& s, std::vector<Estimate>& out) {
  const double n = static_cast<double>(j.n), d = static_cast<double>(j.d);
  const double intra = (d - 1) / n, inter = (n - d) / n;
  const double relay = j.rail_only ? inter * (1 - 1.0 / std::max(1.0, d)) : 0;
  const double network = j.gpu_nic * j.link_share / j.congestion;
  const double seconds_per_byte =
      std::max((intra + relay) / j.nvlink, j.m > 1 ? inter / network : 0.0);
  const double algbw = seconds_per_byte > 0 ? 1 / seconds_per_byte : 1e30;
  const double latency = kBaseRing[kSimple] +
                         (j.m > 1 ? kNetRing[kSimple] + j.path_us : kNvlinkRing[kSimple]) +
                         n * kPeerUs;
  add(out, j, s, Algorithm::kP2p, Protocol::kSimple, algbw, latency, algbw);
}

bool allowed(const NcclEnv& env, Algorithm a, Protocol p) {
  return (!env.algorithm || *env.algorithm == a) && (!env.protocol || *env.protocol == p);
}

}  // namespace

std::string_view algorithm_name(Algorithm a) {
  return kAlgorithmNames[static_cast<int>(a)];
}
std::string_view protocol_name(Protocol p) {
  return kProtocolNames[static_cast<int>(p)];
}

std::optional<Algorithm> parse_algorithm(std::string_view text) {
  std::string lower;
  for (char ch : text) lower += static_cast<char>(ch == '-' ? '_' : std::tolower(ch));
  // NCCL_ALGO's spellings: Ring, Tree, NVLS, NVLSTree, CollNetDirect, CollNetChain, PAT.
  if (lower == "nvlstree") lower = "nvls_tree";
  if (lower == "collnetdirect") lower = "collnet_direct";
  if (lower == "collnetchain") lower = "collnet_chain";
  for (int a = 0; a < 8; ++a) {
    if (lower == kAlgorithmNames[a]) return static_cast<Algorithm>(a);
  }
  return std::nullopt;
}

std::optional<Protocol> parse_protocol(std::string_view text) {
  std::string lower;
  for (char ch : text) lower += static_cast<char>(std::tolower(ch));
  if (lower == "ll") return Protocol::kLL;
  if (lower == "ll128") return Protocol::kLL128;
  if (lower == "simple") return Protocol::kSimple;
  return std::nullopt;
}

Job place_job(const ClusterSpec& c, int64_t n, const Degradation& degraded,
              const Calibration& calibration) {
  if (n < 1) throw UsageError(c.name + ": ranks: must be at least 1");
  if (n > c.gpus) {
    throw UsageError(c.name + ": ranks: " + std::to_string(n) + " exceed the cluster's " +
                     std::to_string(c.gpus) + " GPUs (the fabric holds " +
                     std::to_string(static_cast<int64_t>(fabric_gpus(c))) +
                     "); --extend-fabric grows it");
  }
  Job j;
  j.n = n;
  j.d = std::min<int64_t>(n, c.gpus_per_domain);
  j.m = (n + j.d - 1) / j.d;
  const int64_t per_node = std::min<int64_t>(n, c.gpus_per_node);
  j.nodes = (n + per_node - 1) / per_node;
  j.nvlink = nvlink_GBps(c) * calibration.scaleup * degraded.gpu;
  j.nic = nic_GBps(c) * calibration.scaleout;
  const double nics_in_domain =
      std::ceil(static_cast<double>(j.d) * c.nics_per_node / static_cast<double>(c.gpus_per_node));
  j.rails = std::min(nics_in_domain, kMaxRails);
  j.gpu_nic = j.nic * c.nics_per_node / static_cast<double>(c.gpus_per_node);
  if (j.m > 1) {
    j.tiers = tiers_used(c, j.nodes);
    j.path_us = (2 * j.tiers - 1) * c.hop_latency_us;
    for (int t = 0; t + 1 < j.tiers; ++t)
      j.congestion *= c.tiers[static_cast<std::size_t>(t)].oversubscription;
  }
  // A multi-plane NIC spreads its traffic over one link per plane: one slow link slows its share.
  j.link_share = (c.planes - 1 + degraded.link) / c.planes;
  j.generation = c.nvlink_generation;
  j.nvls = c.nvls && j.d > 1;
  j.per_rank_us = j.d > c.gpus_per_node ? c.mnnvl_rank_us : 0.0;
  j.sharp = c.sharp;
  j.rail_only = c.rail_optimized && !c.any_to_any;
  j.cpu = c.cpu;
  j.launch_us = c.launch_us;
  j.latency_scale = calibration.latency;
  return j;
}

void estimate_all(const Job& j, Collective collective, double bytes, const NcclEnv& env,
                  std::vector<Estimate>& out) {
  const Sizes s{collective, bytes};
  std::vector<Estimate> all;
  all.reserve(12);
  if (j.n == 1) {  // nothing to exchange: the launch alone
    const Algorithm a = collective == Collective::kAllToAll ? Algorithm::kP2p : Algorithm::kRing;
    add(all, j, s, a, Protocol::kSimple, 1e30, 0, 1e30);
  } else if (collective == Collective::kAllToAll) {
    p2p(j, s, all);
  } else if (collective == Collective::kAllReduce) {
    ring(j, s, all);
    tree(j, s, all);
    // NVLS across domains needs SHARP to join the domains (NCCL: no CollNet, no multi-node NVLS).
    if (j.nvls && (j.m == 1 || (j.sharp && env.collnet))) nvls(j, s, all);
    if (j.nvls && j.m > 1) nvls_tree(j, s, all);
    if (j.sharp && env.collnet && j.m > 1) collnet(j, s, all);
  } else if (collective == Collective::kAllGather || collective == Collective::kReduceScatter) {
    ring(j, s, all);
    if (j.nvls && j.m == 1) nvls(j, s, all);
    if (j.d == 1 && j.m > 1) pat(j, s, all);
  }
  for (const Estimate& e : all) {
    if (allowed(env, e.algorithm, e.protocol)) out.push_back(e);
  }
  // A forced algorithm NCCL cannot run here falls back to what it can, as NCCL does.
  if (out.empty()) out = all;
}

Estimate tuner_choice(const Job& j, Collective collective, double bytes, const NcclEnv& env) {
  std::vector<Estimate> all;
  estimate_all(j, collective, bytes, env, all);
  return *std::min_element(all.begin(), all.end(), [](const Estimate& a, const Estimate& b) {
    return a.time_us < b.time_us;
  });
}

Prediction make_prediction(Collective collective, const Estimate& e, int64_t bytes, int64_t n) {
  Prediction p{collective, e.algorithm, e.protocol, bytes, n, e.time_us, 0, 0, 0, false};
  const double factor =
      collective_spec(collective).bus_factor(static_cast<int>(std::min<int64_t>(n, 1 << 30)));
  if (e.time_us > 0) {
    p.algbw_GBps = static_cast<double>(bytes) / (e.time_us * 1e3);
    p.busbw_GBps = p.algbw_GBps * factor;
  }
  p.bound_busbw_GBps = e.bound_busbw;
  return p;
}

std::vector<Prediction> predict_cluster(const Job& job, const std::vector<Collective>& collectives,
                                        const std::vector<int64_t>& sizes, const NcclEnv& env,
                                        bool all_protocols) {
  std::vector<Prediction> out;
  std::vector<Estimate> estimates;
  for (Collective collective : collectives) {
    for (int64_t bytes : sizes) {
      estimates.clear();
      estimate_all(job, collective, static_cast<double>(bytes), env, estimates);
      const auto fastest = std::min_element(
          estimates.begin(), estimates.end(),
          [](const Estimate& a, const Estimate& b) { return a.time_us < b.time_us; });
      for (auto e = estimates.begin(); e != estimates.end(); ++e) {
        if (!all_protocols) {
          // Keep an algorithm's fastest protocol only.
          bool beaten = false;
          for (const Estimate& other : estimates) {
            if (other.algorithm == e->algorithm &&
                (other.time_us < e->time_us || (other.time_us == e->time_us && &other < &*e))) {
              beaten = true;
            }
          }
          if (beaten) continue;
        }
        Prediction p = make_prediction(collective, *e, bytes, job.n);
        p.chosen = e == fastest;
        out.push_back(p);
      }
    }
  }
  return out;
}

}  // namespace collbench
