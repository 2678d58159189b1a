#include "collectives/custom/schedule.hpp"

#include <map>
#include <stdexcept>

namespace collbench {
namespace {

int mod(int64_t a, int64_t n) {
  return static_cast<int>(((a % n) + n) % n);
}

Schedule empty(Collective c, const char* name, const Shape& shape, int64_t chunks) {
  return {c, name, shape, chunks, {}};
}

// Ring reduce-scatter over `ranks` on the chunks `chunk_of(i)` (i = position in the ring):
// after len-1 steps position i holds chunk_of(i) fully reduced.
void ring_reduce_scatter_steps(Schedule& s, const std::vector<int>& ranks,
                               const std::vector<int64_t>& chunk_of) {
  const int len = static_cast<int>(ranks.size());
  for (int k = 0; k < len - 1; ++k) {
    Step step;
    for (int i = 0; i < len; ++i) {
      step.transfers.push_back(
          {ranks[i], ranks[mod(i + 1, len)], chunk_of[mod(i - k - 1, len)], true});
    }
    s.steps.push_back(std::move(step));
  }
}

// Ring all-gather: position i starts with chunk_of(i) complete; afterwards everyone has all.
void ring_all_gather_steps(Schedule& s, const std::vector<int>& ranks,
                           const std::vector<int64_t>& chunk_of) {
  const int len = static_cast<int>(ranks.size());
  for (int k = 0; k < len - 1; ++k) {
    Step step;
    for (int i = 0; i < len; ++i) {
      step.transfers.push_back(
          {ranks[i], ranks[mod(i + 1, len)], chunk_of[mod(i - k, len)], false});
    }
    s.steps.push_back(std::move(step));
  }
}

// Chunks first, first + stride, ... (count of them), the order the ring steps walk them in.
std::vector<int64_t> iota_chunks(int count, int64_t stride = 1, int64_t first = 0) {
  std::vector<int64_t> chunks(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) chunks[static_cast<std::size_t>(i)] = first + i * stride;
  return chunks;
}

std::vector<int> iota_ranks(int first, int count, int stride = 1) {
  std::vector<int> out;
  for (int i = 0; i < count; ++i) out.push_back(first + i * stride);
  return out;
}

// The node count of a shape whose nodes are all full (hierarchical algorithms need that).
int whole_nodes(const Shape& shape) {
  if (shape.nranks % shape.ranks_per_node != 0) {
    throw std::invalid_argument("hierarchical needs whole nodes");
  }
  return shape.nranks / shape.ranks_per_node;
}

}  // namespace

Schedule ring_all_reduce(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kAllReduce, "ring", shape, n);
  const std::vector<int64_t> chunks = iota_chunks(n);
  ring_reduce_scatter_steps(s, iota_ranks(0, n), chunks);
  ring_all_gather_steps(s, iota_ranks(0, n), chunks);
  return s;
}

// Rabenseifner: ranks beyond the largest power of two p first fold into a partner, the p ranks
// halve the vector and double the distance (reduce-scatter), then mirror it (all-gather), and the
// folded ranks get the result back.
Schedule rhd_all_reduce(const Shape& shape) {
  const int n = shape.nranks;
  int p = 1;
  while (p * 2 <= n) p *= 2;
  Schedule s = empty(Collective::kAllReduce, "rhd", shape, p);
  auto all_chunks = [&](Step& step, int src, int dst, bool reduce) {
    for (int64_t c = 0; c < p; ++c) step.transfers.push_back({src, dst, c, reduce});
  };
  if (n > p) {
    Step fold;
    for (int r = p; r < n; ++r) all_chunks(fold, r, r - p, true);
    s.steps.push_back(std::move(fold));
  }
  // Recursive halving: each rank keeps a range [lo, hi) of chunks; at distance d it sends the half
  // its partner keeps.
  std::vector<std::pair<int64_t, int64_t>> range(p, {0, p});
  for (int d = p / 2; d >= 1; d /= 2) {
    Step step;
    std::vector<std::pair<int64_t, int64_t>> next = range;
    for (int r = 0; r < p; ++r) {
      const int partner = r ^ d;
      const auto [lo, hi] = range[r];
      const int64_t mid = (lo + hi) / 2;
      const bool keep_low = (r & d) == 0;
      const int64_t send_lo = keep_low ? mid : lo, send_hi = keep_low ? hi : mid;
      for (int64_t c = send_lo; c < send_hi; ++c) step.transfers.push_back({r, partner, c, true});
      next[r] = keep_low ? std::pair{lo, mid} : std::pair{mid, hi};
    }
    range = next;
    s.steps.push_back(std::move(step));
  }
  for (int d = 1; d < p; d *= 2) {  // recursive doubling of the reduced ranges
    Step step;
    std::vector<std::pair<int64_t, int64_t>> next = range;
    for (int r = 0; r < p; ++r) {
      const int partner = r ^ d;
      for (int64_t c = range[r].first; c < range[r].second; ++c) {
        step.transfers.push_back({r, partner, c, false});
      }
      next[r] = {std::min(range[r].first, range[partner].first),
                 std::max(range[r].second, range[partner].second)};
    }
    range = next;
    s.steps.push_back(std::move(step));
  }
  if (n > p) {
    Step unfold;
    for (int r = p; r < n; ++r) all_chunks(unfold, r - p, r, false);
    s.steps.push_back(std::move(unfold));
  }
  return s;
}

Schedule one_shot_all_reduce(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kAllReduce, "one_shot", shape, 1);
  if (n == 1) return s;
  Step step;  // every rank reads every other rank's input at once (shared memory)
  for (int dst = 0; dst < n; ++dst) {
    for (int src = 0; src < n; ++src) {
      if (src != dst) step.transfers.push_back({src, dst, 0, true});
    }
  }
  s.steps.push_back(std::move(step));
  return s;
}

Schedule two_shot_all_reduce(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kAllReduce, "two_shot", shape, n);
  if (n == 1) return s;
  Step scatter, gather;  // rank c reduces chunk c from everyone, then hands it to everyone
  for (int c = 0; c < n; ++c) {
    for (int r = 0; r < n; ++r) {
      if (r == c) continue;
      scatter.transfers.push_back({r, c, c, true});
      gather.transfers.push_back({c, r, c, false});
    }
  }
  s.steps.push_back(std::move(scatter));
  s.steps.push_back(std::move(gather));
  return s;
}

namespace {

// Runs `part`'s steps at the same time as the ones already in `phase` (independent groups of
// ranks, e.g. one per node or per rail, advance together).
void run_alongside(std::vector<Step>& phase, const Schedule& part) {
  for (std::size_t i = 0; i < part.steps.size(); ++i) {
    if (phase.size() <= i) phase.emplace_back();
    auto& t = phase[i].transfers;
    t.insert(t.end(), part.steps[i].transfers.begin(), part.steps[i].transfers.end());
  }
}

void append(Schedule& s, std::vector<Step>& phase) {
  for (Step& step : phase) s.steps.push_back(std::move(step));
}

// Binomial tree broadcast of chunk 0 over `ranks` from position `root`, its steps added to
// `phase` (alongside whatever other groups already run there): in step j the 2^j positions that
// hold the chunk, counted from the root, each send it 2^j positions further.
void binomial_steps(std::vector<Step>& phase, const std::vector<int>& ranks, int root) {
  const int n = static_cast<int>(ranks.size());
  std::size_t index = 0;
  for (int d = 1; d < n; d *= 2, ++index) {
    if (phase.size() <= index) phase.emplace_back();
    for (int v = 0; v < d && v + d < n; ++v) {  // virtual positions relative to the root
      phase[index].transfers.push_back(
          {ranks[mod(v + root, n)], ranks[mod(v + d + root, n)], 0, false});
    }
  }
}

}  // namespace

Schedule hierarchical_all_reduce(const Shape& shape) {
  const int k = shape.ranks_per_node, nodes = whole_nodes(shape);
  Schedule s = empty(Collective::kAllReduce, "hierarchical", shape, k);
  const std::vector<int64_t> chunks = iota_chunks(k);
  // 1. Inside each node a ring reduce-scatter: local rank l ends with chunk l reduced over its
  // node.
  std::vector<Step> phase;
  for (int node = 0; node < nodes; ++node) {
    Schedule part = empty(Collective::kAllReduce, "", shape, k);
    ring_reduce_scatter_steps(part, iota_ranks(node * k, k), chunks);
    run_alongside(phase, part);
  }
  append(s, phase);
  // 2. Across nodes, per rail (the ranks with the same local rank, one NIC each): chain-reduce
  //    chunk l to the rail's first rank, then chain it back.
  phase.clear();
  for (int l = 0; l < k && nodes > 1; ++l) {
    const std::vector<int> rail = iota_ranks(l, nodes, k);
    Schedule part = empty(Collective::kAllReduce, "", shape, k);
    for (int i = nodes - 1; i > 0; --i) part.steps.push_back({{{rail[i], rail[i - 1], l, true}}});
    for (int i = 0; i + 1 < nodes; ++i) part.steps.push_back({{{rail[i], rail[i + 1], l, false}}});
    run_alongside(phase, part);
  }
  append(s, phase);
  // 3. Inside each node a ring all-gather of the chunks.
  phase.clear();
  for (int node = 0; node < nodes; ++node) {
    Schedule part = empty(Collective::kAllReduce, "", shape, k);
    ring_all_gather_steps(part, iota_ranks(node * k, k), chunks);
    run_alongside(phase, part);
  }
  append(s, phase);
  return s;
}

namespace {

using RingSteps = void (*)(Schedule&, const std::vector<int>&, const std::vector<int64_t>&);

// Every rail at once (rail l: the ranks with local index l, one per node) runs `ring` over the
// blocks i * k + l, block i starting at node i.
void rails_phase(Schedule& s, RingSteps ring) {
  const int k = s.shape.ranks_per_node, nodes = whole_nodes(s.shape);
  std::vector<Step> phase;
  for (int l = 0; l < k && nodes > 1; ++l) {
    Schedule part = empty(s.collective, "", s.shape, s.nchunks);
    ring(part, iota_ranks(l, nodes, k), iota_chunks(nodes, k, l));
    run_alongside(phase, part);
  }
  append(s, phase);
}

// Every node at once runs `ring` over each group of k blocks g * k .. g * k + k - 1, block
// g * k + l starting at local rank l.
void nodes_phase(Schedule& s, RingSteps ring) {
  const int k = s.shape.ranks_per_node, nodes = whole_nodes(s.shape);
  std::vector<Step> phase;
  for (int node = 0; node < nodes; ++node) {
    for (int group = 0; group < nodes; ++group) {
      Schedule part = empty(s.collective, "", s.shape, s.nchunks);
      ring(part, iota_ranks(node * k, k), iota_chunks(k, 1, group * k));
      run_alongside(phase, part);
    }
  }
  append(s, phase);
}

}  // namespace

// All-gather: first across nodes per rail, so each block crosses the network once per node and
// the slow tier carries (nodes - 1) blocks per rank; then inside each node, where every rank
// passes on the blocks its rail gathered.
Schedule hierarchical_all_gather(const Shape& shape) {
  Schedule s = empty(Collective::kAllGather, "hierarchical", shape, shape.nranks);
  rails_phase(s, ring_all_gather_steps);
  nodes_phase(s, ring_all_gather_steps);
  return s;
}

// Reduce-scatter, the mirror image: inside each node first (local rank l ends with the node's sum
// of every block i * k + l), then across nodes per rail, which leaves block r reduced at rank r.
Schedule hierarchical_reduce_scatter(const Shape& shape) {
  Schedule s = empty(Collective::kReduceScatter, "hierarchical", shape, shape.nranks);
  nodes_phase(s, ring_reduce_scatter_steps);
  rails_phase(s, ring_reduce_scatter_steps);
  return s;
}

// Broadcast: a binomial tree across nodes on the root's rail, then one inside every node from
// the rank that received it.
Schedule hierarchical_broadcast(const Shape& shape, int root) {
  const int k = shape.ranks_per_node, nodes = whole_nodes(shape);
  Schedule s = empty(Collective::kBroadcast, "hierarchical", shape, 1);
  std::vector<Step> phase;
  binomial_steps(phase, iota_ranks(root % k, nodes, k), root / k);
  append(s, phase);
  phase.clear();
  for (int node = 0; node < nodes; ++node) binomial_steps(phase, iota_ranks(node * k, k), root % k);
  append(s, phase);
  return s;
}

Schedule ring_all_gather(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kAllGather, "ring", shape, n);
  const std::vector<int64_t> chunks = iota_chunks(n);
  ring_all_gather_steps(s, iota_ranks(0, n), chunks);
  return s;
}

Schedule ring_reduce_scatter(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kReduceScatter, "ring", shape, n);
  const std::vector<int64_t> chunks = iota_chunks(n);
  ring_reduce_scatter_steps(s, iota_ranks(0, n), chunks);
  return s;
}

Schedule pairwise_all_to_all(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kAllToAll, "pairwise", shape, static_cast<int64_t>(n) * n);
  for (int k = 1; k < n; ++k) {
    Step step;
    for (int r = 0; r < n; ++r) {
      const int to = mod(r + k, n);
      step.transfers.push_back({r, to, static_cast<int64_t>(r) * n + to, false});
    }
    s.steps.push_back(std::move(step));
  }
  return s;
}

// Bruck: in round j every rank forwards to rank + 2^j every block whose remaining distance to its
// destination has bit j set; after ceil(log2 n) rounds every block has arrived.
Schedule bruck_all_to_all(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kAllToAll, "bruck", shape, static_cast<int64_t>(n) * n);
  std::vector<int> at(static_cast<std::size_t>(n) * n);  // where block (src, dst) is now
  for (int src = 0; src < n; ++src) {
    for (int dst = 0; dst < n; ++dst) at[src * n + dst] = src;
  }
  for (int bit = 1; bit < n; bit *= 2) {
    Step step;
    for (int src = 0; src < n; ++src) {
      for (int dst = 0; dst < n; ++dst) {
        int& holder = at[src * n + dst];
        if ((mod(dst - holder, n) & bit) == 0) continue;
        const int to = mod(holder + bit, n);
        step.transfers.push_back({holder, to, static_cast<int64_t>(src) * n + dst, false});
        holder = to;
      }
    }
    s.steps.push_back(std::move(step));
  }
  return s;
}

// Per node: gather every block bound for node m at the local rank that talks to node m's same
// local rank, send across once per rail, then deliver inside the destination node.
Schedule hierarchical_all_to_all(const Shape& shape) {
  const int n = shape.nranks, k = shape.ranks_per_node;
  whole_nodes(shape);  // throws unless every node is full: each needs a relay per rail
  Schedule s = empty(Collective::kAllToAll, "hierarchical", shape, static_cast<int64_t>(n) * n);
  Step gather, cross, deliver;
  for (int src = 0; src < n; ++src) {
    for (int dst = 0; dst < n; ++dst) {
      const int64_t block = static_cast<int64_t>(src) * n + dst;
      // Relay: the rank in src's node with dst's local rank, then the rank in dst's node with
      // that same local rank, i.e. dst itself.
      const int relay = (src / k) * k + dst % k;
      if (relay != src) gather.transfers.push_back({src, relay, block, false});
      if (relay != dst) cross.transfers.push_back({relay, dst, block, false});
    }
  }
  for (Step* step : {&gather, &cross, &deliver}) {
    if (!step->transfers.empty()) s.steps.push_back(std::move(*step));
  }
  return s;
}

Schedule binomial_broadcast(const Shape& shape, int root) {
  Schedule s = empty(Collective::kBroadcast, "binomial", shape, 1);
  std::vector<Step> phase;
  binomial_steps(phase, iota_ranks(0, shape.nranks), root);
  append(s, phase);
  return s;
}

// One step: every rank reads what it needs straight from its owners (shared memory reads the
// peers' buffers directly; over point-to-point, every owner sends to every reader at once).
Schedule one_shot_all_gather(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kAllGather, "one_shot", shape, n);
  if (n == 1) return s;
  Step step;
  for (int dst = 0; dst < n; ++dst) {
    for (int src = 0; src < n; ++src) {
      if (src != dst) step.transfers.push_back({src, dst, src, false});
    }
  }
  s.steps.push_back(std::move(step));
  return s;
}

Schedule one_shot_reduce_scatter(const Shape& shape) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kReduceScatter, "one_shot", shape, n);
  if (n == 1) return s;
  Step step;  // rank c reduces chunk c from every rank's input: the first half of two-shot
  for (int c = 0; c < n; ++c) {
    for (int src = 0; src < n; ++src) {
      if (src != c) step.transfers.push_back({src, c, c, true});
    }
  }
  s.steps.push_back(std::move(step));
  return s;
}

Schedule one_shot_broadcast(const Shape& shape, int root) {
  const int n = shape.nranks;
  Schedule s = empty(Collective::kBroadcast, "one_shot", shape, 1);
  if (n == 1) return s;
  Step step;
  for (int dst = 0; dst < n; ++dst) {
    if (dst != root) step.transfers.push_back({root, dst, 0, false});
  }
  s.steps.push_back(std::move(step));
  return s;
}

namespace {

// `auto` per collective: below `small_bytes` (per peer for all_to_all, whose blocks shrink with
// the rank count) the algorithm with the fewest steps, as latency dominates there; above, the
// hierarchical algorithm across (virtual) nodes, else the flat one. all_to_all stays pairwise
// across nodes: relaying copies every block once more, which cost 2-4x at 256 KiB and up in the
// measurements (docs/custom-collectives.md) and gained only below 1 KiB per peer, where Bruck is.
struct AutoRule {
  Collective collective;
  std::size_t small_bytes;
  bool per_peer;
  const char* small;
  const char* across_nodes;
  const char* flat;
};

constexpr AutoRule kAutoRules[] = {
    {Collective::kAllReduce, 8 * 1024, false, "rhd", "hierarchical", "ring"},
    {Collective::kAllToAll, 1024, true, "bruck", "pairwise", "pairwise"},
    {Collective::kAllGather, 0, false, "", "hierarchical", "ring"},
    {Collective::kReduceScatter, 0, false, "", "hierarchical", "ring"},
    {Collective::kBroadcast, 0, false, "", "hierarchical", "binomial"},
};

}  // namespace

const char* auto_algorithm(Collective collective, const Shape& shape, std::size_t bytes) {
  for (const AutoRule& rule : kAutoRules) {
    if (rule.collective != collective) continue;
    const std::size_t measured =
        rule.per_peer ? bytes / static_cast<std::size_t>(shape.nranks) : bytes;
    if (measured < rule.small_bytes) return rule.small;
    return shape.nodes() > 1 && shape.ranks_per_node > 1 ? rule.across_nodes : rule.flat;
  }
  return "";
}

const std::vector<ScheduleEntry>& schedule_table() {
  static const std::vector<ScheduleEntry> table = {
      {Collective::kAllReduce, "ring", ring_all_reduce},
      {Collective::kAllReduce, "rhd", rhd_all_reduce},
      {Collective::kAllReduce, "one_shot", one_shot_all_reduce},
      {Collective::kAllReduce, "two_shot", two_shot_all_reduce},
      {Collective::kAllReduce, "hierarchical", hierarchical_all_reduce},
      {Collective::kAllGather, "ring", ring_all_gather},
      {Collective::kAllGather, "one_shot", one_shot_all_gather},
      {Collective::kAllGather, "hierarchical", hierarchical_all_gather},
      {Collective::kReduceScatter, "ring", ring_reduce_scatter},
      {Collective::kReduceScatter, "one_shot", one_shot_reduce_scatter},
      {Collective::kReduceScatter, "hierarchical", hierarchical_reduce_scatter},
      {Collective::kAllToAll, "pairwise", pairwise_all_to_all},
      {Collective::kAllToAll, "bruck", bruck_all_to_all},
      {Collective::kAllToAll, "hierarchical", hierarchical_all_to_all},
      {Collective::kBroadcast, "binomial", [](const Shape& s) { return binomial_broadcast(s, 0); },
       binomial_broadcast},
      {Collective::kBroadcast, "one_shot", [](const Shape& s) { return one_shot_broadcast(s, 0); },
       one_shot_broadcast},
      {Collective::kBroadcast, "hierarchical",
       [](const Shape& s) { return hierarchical_broadcast(s, 0); }, hierarchical_broadcast},
  };
  return table;
}

}  // namespace collbench
