#include "model/cost_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace collbench {
namespace {

double log2_ceil(int64_t n) {
  return n <= 1 ? 0.0 : std::ceil(std::log2(static_cast<double>(n)));
}
bool power_of_two(int64_t n) {
  return n > 0 && (n & (n - 1)) == 0;
}

// A flat algorithm over all n GPUs runs at the pace of its slowest tier: scale-out when the job
// spans domains (with the congestion its traffic pattern meets), scale-up otherwise.
struct Flat {
  double a, b;
};
Flat flat(const NetworkCosts& c, double congestion) {
  if (c.m > 1) return {c.a_out, std::max(c.b_out * congestion, c.b_up)};
  return {c.a_up, c.b_up};
}

// Most algorithms move every byte through every member in lock step, so the slowest link or GPU
// gates the whole operation: its costs apply to all the traffic of its kind.
NetworkCosts gated(NetworkCosts c, const Degradation& d) {
  c.b_out /= d.link;
  c.b_up /= d.gpu;
  c.gamma /= d.gpu;
  return c;
}

// A double binary tree carries half the data in each tree; a slow link sits in one of them, so
// the pipelines' pace is set by max(healthy, half the data at the slow rate).
double tree_penalty(const Degradation& d) {
  return std::max(1.0, 0.5 / std::min(d.link, d.gpu));
}

// ---- all_reduce -----------------------------------------------------------------------------
double ar_ring(const NetworkCosts& healthy, double s, const Degradation& deg) {
  const NetworkCosts c = gated(healthy, deg);
  const double n = static_cast<double>(c.n);
  if (c.n == 1) return 0;
  const Flat f = flat(c, 1.0);  // neighbours sit on the same rail: leaf switches only
  return 2 * (n - 1) * f.a + 2 * (n - 1) / n * s * f.b + (n - 1) / n * s * c.gamma;
}
double ar_tree(const NetworkCosts& c, double s, const Degradation& d) {
  if (c.n == 1) return 0;
  const Flat f = flat(c, c.all_pairs_congestion);
  return 2 * log2_ceil(c.n) * f.a + s * (f.b + c.gamma) * tree_penalty(d);
}
double ar_rhd(const NetworkCosts& healthy, double s, const Degradation& deg) {
  const NetworkCosts c = gated(healthy, deg);
  const double n = static_cast<double>(c.n);
  if (c.n == 1) return 0;
  const Flat f = flat(c, c.all_pairs_congestion);
  double t = 2 * log2_ceil(c.n) * f.a + 2 * (n - 1) / n * s * f.b + (n - 1) / n * s * c.gamma;
  if (!power_of_two(c.n)) t += 2 * f.a + s * f.b;  // fold the extra ranks in and out
  return t;
}
// A slow GPU gates the phases inside its domain; a slow link gates its rail's ring only, but
// every rail must finish, so the inter-domain phase runs at the slow rail's pace.
double ar_hierarchical(const NetworkCosts& healthy, double s, const Degradation& deg) {
  const NetworkCosts c = gated(healthy, deg);
  const double d = static_cast<double>(c.d), m = static_cast<double>(c.m);
  const double intra =
      2 * (d - 1) * c.a_up + 2 * (d - 1) / d * s * c.b_up + (d - 1) / d * s * c.gamma;
  if (c.m == 1) return intra;
  const double per_rail = s / d;
  const double inter = 2 * (m - 1) * c.a_out + 2 * (m - 1) / m * per_rail * c.b_out +
                       (m - 1) / m * per_rail * c.gamma;
  return intra + inter;
}
double ar_in_network(const NetworkCosts& healthy, double s, const Degradation& deg) {
  const NetworkCosts c = gated(healthy, deg);
  // NVLS inside a domain, SHARP across: switches reduce, each GPU sends and receives its data once.
  double t = 2 * c.a_up + s * c.b_up;
  if (c.m > 1) t += 2 * c.a_out + s / static_cast<double>(c.d) * c.b_out;
  return t;
}

// ---- all_gather, reduce_scatter (s = the whole gathered or scattered buffer) -----------------
double ring_gather(const NetworkCosts& c, double s, double gamma) {
  const double n = static_cast<double>(c.n);
  if (c.n == 1) return 0;
  const Flat f = flat(c, 1.0);
  return (n - 1) * f.a + (n - 1) / n * s * (f.b + gamma);
}
double rd_gather(const NetworkCosts& c, double s, double gamma) {
  const double n = static_cast<double>(c.n);
  if (c.n == 1) return 0;
  const Flat f = flat(c, c.all_pairs_congestion);
  return log2_ceil(c.n) * f.a + (n - 1) / n * s * (f.b + gamma) +
         (power_of_two(c.n) ? 0 : f.a + s / n * f.b);
}
double hier_gather(const NetworkCosts& c, double s, double gamma) {
  const double d = static_cast<double>(c.d), m = static_cast<double>(c.m);
  const double intra = (d - 1) * c.a_up + (d - 1) / d * s * (c.b_up + gamma);
  if (c.m == 1) return intra;
  return intra + (m - 1) * c.a_out + (m - 1) / m * (s / d) * (c.b_out + gamma);
}
double ag_ring(const NetworkCosts& c, double s, const Degradation& d) {
  return ring_gather(gated(c, d), s, 0);
}
double ag_rd(const NetworkCosts& c, double s, const Degradation& d) {
  return rd_gather(gated(c, d), s, 0);
}
double ag_hier(const NetworkCosts& c, double s, const Degradation& d) {
  return hier_gather(gated(c, d), s, 0);
}
double rs_ring(const NetworkCosts& c, double s, const Degradation& d) {
  return ring_gather(gated(c, d), s, c.gamma / d.gpu);
}
double rs_rd(const NetworkCosts& c, double s, const Degradation& d) {
  return rd_gather(gated(c, d), s, c.gamma / d.gpu);
}
double rs_hier(const NetworkCosts& c, double s, const Degradation& d) {
  return hier_gather(gated(c, d), s, c.gamma / d.gpu);
}

// ---- all_to_all (s = one rank's whole send buffer) -------------------------------------------
double a2a_pairwise(const NetworkCosts& healthy, double s, const Degradation& deg) {
  const NetworkCosts c = gated(healthy, deg);
  const double n = static_cast<double>(c.n), d = static_cast<double>(c.d);
  if (c.n == 1) return 0;
  const double a = c.m > 1 ? c.a_out : c.a_up;
  // Traffic inside the domain and across it flows at the same time on different links.
  const double intra = (d - 1) / n * s * c.b_up;
  const double inter = (n - d) / n * s * c.b_out * c.all_pairs_congestion;
  return (n - 1) * a + std::max(intra, inter);
}
double a2a_bruck(const NetworkCosts& healthy, double s, const Degradation& deg) {
  const NetworkCosts c = gated(healthy, deg);
  if (c.n == 1) return 0;
  const Flat f = flat(c, c.all_pairs_congestion);
  const double steps = log2_ceil(c.n);
  return steps * f.a + steps / 2 * s * f.b;
}
double a2a_hier(const NetworkCosts& healthy, double s, const Degradation& deg) {
  const NetworkCosts c = gated(healthy, deg);
  const double d = static_cast<double>(c.d), m = static_cast<double>(c.m);
  // Aggregate per node: exchange inside the domain so each GPU holds what its rail sends, then
  // one message per remote domain on each rail.
  const double intra = (d - 1) * c.a_up + (d - 1) / d * s * c.b_up;
  if (c.m == 1) return intra;
  return intra + (m - 1) * c.a_out + (m - 1) / m * s * c.b_out * c.all_pairs_congestion;
}

const std::array<AlgorithmModel, 14> kModels = {{
    {Collective::kAllReduce, "ring", ar_ring},
    {Collective::kAllReduce, "tree", ar_tree},
    {Collective::kAllReduce, "rhd", ar_rhd},
    {Collective::kAllReduce, "hierarchical", ar_hierarchical},
    {Collective::kAllReduce, "in_network", ar_in_network},
    {Collective::kAllGather, "ring", ag_ring},
    {Collective::kAllGather, "recursive_doubling", ag_rd},
    {Collective::kAllGather, "hierarchical", ag_hier},
    {Collective::kReduceScatter, "ring", rs_ring},
    {Collective::kReduceScatter, "recursive_halving", rs_rd},
    {Collective::kReduceScatter, "hierarchical", rs_hier},
    {Collective::kAllToAll, "pairwise", a2a_pairwise},
    {Collective::kAllToAll, "bruck", a2a_bruck},
    {Collective::kAllToAll, "hierarchical", a2a_hier},
}};

}  // namespace

NetworkCosts network_costs(const ClusterSpec& cl, int64_t n) {
  NetworkCosts c;
  c.n = std::max<int64_t>(1, n);
  c.d = std::min<int64_t>(c.n, cl.gpus_per_domain);
  c.m = (c.n + c.d - 1) / c.d;
  // Domains reachable through t tiers of a fat tree of radix-r switches: 2 (r/2)^t.
  const double half = cl.radix / 2.0;
  c.tiers_used = 1;
  while (c.tiers_used < cl.tiers && 2 * std::pow(half, c.tiers_used) < static_cast<double>(c.m)) {
    ++c.tiers_used;
  }
  c.a_up = cl.scaleup_latency_us;
  c.b_up = 1.0 / (cl.scaleup_GBps * 1e3);  // GB/s -> us per byte
  c.a_out = cl.nic_latency_us + (2 * c.tiers_used - 1) * cl.hop_latency_us;
  c.b_out = 1.0 / (cl.nics_per_gpu * cl.nic_Gbps / 8.0 * 1e3);
  c.gamma = 1.0 / (cl.reduce_GBps * 1e3);
  for (int t = 0; t < c.tiers_used && t < static_cast<int>(cl.oversubscription.size()); ++t) {
    c.all_pairs_congestion *= cl.oversubscription[t];
  }
  return c;
}

std::span<const AlgorithmModel> algorithm_models() {
  return kModels;
}

const AlgorithmModel* find_algorithm(Collective collective, std::string_view name) {
  for (const AlgorithmModel& m : kModels) {
    if (m.collective == collective && m.name == name) return &m;
  }
  return nullptr;
}

Prediction make_prediction(Collective collective, std::string algorithm, int64_t bytes, int64_t n,
                           double time_us) {
  Prediction p{collective, std::move(algorithm), bytes, n, time_us, 0, 0, false};
  if (time_us > 0) {
    p.algbw_GBps = static_cast<double>(bytes) / (time_us * 1e3);
    p.busbw_GBps =
        p.algbw_GBps *
        collective_spec(collective).bus_factor(static_cast<int>(std::min<int64_t>(n, 1 << 30)));
  }
  return p;
}

std::vector<Prediction> predict_cluster(const ClusterSpec& cluster, int64_t n,
                                        const std::vector<Collective>& collectives,
                                        const std::vector<int64_t>& sizes,
                                        const Degradation& degraded) {
  const NetworkCosts costs = network_costs(cluster, n);
  std::vector<Prediction> out;
  for (Collective collective : collectives) {
    for (int64_t bytes : sizes) {
      const std::size_t first = out.size();
      for (const AlgorithmModel& m : kModels) {
        if (m.collective != collective) continue;
        out.push_back(make_prediction(collective, std::string(m.name), bytes, n,
                                      m.time_us(costs, static_cast<double>(bytes), degraded)));
      }
      if (out.size() == first) continue;
      auto best = std::min_element(
          out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
          [](const Prediction& a, const Prediction& b) { return a.time_us < b.time_us; });
      best->best = true;
    }
  }
  return out;
}

}  // namespace collbench
