#include "collectives/custom/shm_collectives.hpp"

#include <algorithm>
#include <cstring>

#include "kernels/host_reduce.hpp"

namespace collbench {
namespace {

// Where each rank's input and output of this operation live, seen from this rank. In place, the
// input of rank p sits at send_inplace_offset * p in its buffer and its output at
// recv_inplace_offset * p (BufferLayout); OpArgs already points at this rank's.
class Peers {
 public:
  Peers(const ShmContext& c, const OpArgs& a)
      : node_(c.node),
        a_(a),
        elt_(dtype_info(a.dtype).size),
        rank_(c.node.rank()),
        size_(c.node.size()) {
    if (a.inplace) {
      buffer_ = static_cast<char*>(a.recv[0]) - bytes(a.layout.recv_inplace_offset * rank_);
    }
  }

  int rank() const { return rank_; }
  int size() const { return size_; }
  std::size_t elt() const { return elt_; }
  std::size_t bytes(int64_t count) const { return static_cast<std::size_t>(count) * elt_; }

  const char* input(int p) const {
    if (p == rank_) return static_cast<const char*>(a_.send[0]);
    if (!a_.inplace) return static_cast<const char*>(node_.peer_address(a_.send[0], p));
    return static_cast<char*>(node_.peer_address(buffer_, p)) +
           bytes(a_.layout.send_inplace_offset * p);
  }
  char* output(int p) const {
    if (p == rank_) return static_cast<char*>(a_.recv[0]);
    if (!a_.inplace) return static_cast<char*>(node_.peer_address(a_.recv[0], p));
    return static_cast<char*>(node_.peer_address(buffer_, p)) +
           bytes(a_.layout.recv_inplace_offset * p);
  }
  // The k-th peer in the order that spreads readers over owners: at each k, every owner has
  // exactly one reader (pairwise exchange's order, without its lock-step).
  int peer(int k) const { return (rank_ + k) % size_; }

  // Elements [lo, hi) of `total` split in size() chunks: chunk c.
  std::pair<int64_t, int64_t> chunk(int64_t total, int c) const {
    return {total * c / size_, total * (c + 1) / size_};
  }

 private:
  ShmNode& node_;
  const OpArgs& a_;
  std::size_t elt_;
  int rank_, size_;
  char* buffer_ = nullptr;  // in place: the start of this rank's buffer
};

// This rank's own input first: the destination may alias it, never a peer's. `avg_ranks` > 0
// finishes an average over that many ranks.
void reduce_range(const ShmContext& c, const OpArgs& a, const Peers& peers, char* dst, int64_t lo,
                  int64_t hi, int avg_ranks) {
  if (hi <= lo) return;
  std::vector<const char*> inputs;
  for (int k = 0; k < peers.size(); ++k) {
    inputs.push_back(peers.input(peers.peer(k)) + lo * peers.elt());
  }
  reduce_inputs(a.dtype, a.op, dst, inputs, hi - lo, c.piece_bytes);
  if (a.op == RedOp::kAvg && avg_ranks > 0) host_finish_avg(a.dtype, dst, hi - lo, avg_ranks);
}

void reduce_range(const ShmContext& c, const OpArgs& a, const Peers& peers, char* dst, int64_t lo,
                  int64_t hi) {
  reduce_range(c, a, peers, dst, lo, hi, peers.size());
}

void two_shot_all_reduce(const ShmContext& c, const OpArgs& a) {
  two_shot_all_reduce_around(c, a, nullptr, c.node.size());
}

// one_shot: every rank reduces the whole vector from every input (into scratch when in place,
// since peers still read its input).
void one_shot_all_reduce(const ShmContext& c, const OpArgs& a) {
  const Peers peers(c, a);
  const int64_t count = a.layout.recv_count;
  c.node.barrier();
  if (!a.inplace) return reduce_range(c, a, peers, peers.output(peers.rank()), 0, count);
  c.scratch.resize(peers.bytes(count));
  reduce_range(c, a, peers, c.scratch.data(), 0, count);
  c.node.barrier();  // peers are done reading this rank's input
  std::memcpy(peers.output(peers.rank()), c.scratch.data(), c.scratch.size());
}

// Each rank copies every peer's block from the peer's input into its own output. In place the
// rank's own block is already where it belongs and no peer reads the others, so nothing waits.
void one_shot_all_gather(const ShmContext& c, const OpArgs& a) {
  const Peers peers(c, a);
  const int64_t base = a.layout.param_count;
  char* out = static_cast<char*>(a.recv[0]);
  c.node.barrier();
  if (!a.inplace) std::memcpy(out + peers.bytes(base * peers.rank()), a.send[0], peers.bytes(base));
  for (int k = 1; k < peers.size(); ++k) {
    const int p = peers.peer(k);
    std::memcpy(out + peers.bytes(base * p), peers.input(p), peers.bytes(base));
  }
}

// Rank r reduces block r of every input into its output. In place that output is its own input
// block r, which no peer reads.
void one_shot_reduce_scatter(const ShmContext& c, const OpArgs& a) {
  const Peers peers(c, a);
  const int64_t base = a.layout.param_count;
  c.node.barrier();
  const int64_t lo = base * peers.rank();
  reduce_range(c, a, peers, peers.output(peers.rank()), lo, lo + base);
}

// Rank r copies block r of every peer's input into block p of its output. In place, peers read
// the blocks this rank is about to overwrite: gather them into scratch, wait, then place them.
void pairwise_all_to_all(const ShmContext& c, const OpArgs& a) {
  const Peers peers(c, a);
  const std::size_t block = peers.bytes(a.layout.param_count);
  const std::size_t mine = block * static_cast<std::size_t>(peers.rank());
  char* out = static_cast<char*>(a.recv[0]);
  c.node.barrier();
  if (!a.inplace) {
    std::memcpy(out + mine, static_cast<const char*>(a.send[0]) + mine, block);
    for (int k = 1; k < peers.size(); ++k) {
      const int p = peers.peer(k);
      std::memcpy(out + block * p, peers.input(p) + mine, block);
    }
    return;
  }
  c.scratch.resize(block * static_cast<std::size_t>(peers.size()));
  for (int k = 1; k < peers.size(); ++k) {
    const int p = peers.peer(k);
    std::memcpy(c.scratch.data() + block * p, peers.input(p) + mine, block);
  }
  c.node.barrier();  // every peer has read its blocks from this rank's buffer
  for (int k = 1; k < peers.size(); ++k) {
    const int p = peers.peer(k);
    std::memcpy(out + block * p, c.scratch.data() + block * p, block);
  }
}

// Every rank copies the root's input; the root copies its own when out of place.
void one_shot_broadcast(const ShmContext& c, const OpArgs& a) {
  const Peers peers(c, a);
  const std::size_t bytes = peers.bytes(a.layout.recv_count);
  c.node.barrier();
  if (peers.rank() == a.root && a.inplace) return;
  std::memcpy(a.recv[0], peers.input(a.root), bytes);
}

}  // namespace

// two_shot: rank i reduces chunk i straight from every input into its own output, then copies
// the other chunks from their owners' outputs. Large vectors go in pieces of
// `c.pipeline_bytes`, each split among the ranks like the whole vector: a rank publishes each
// reduced piece and copies its peers' parts of the previous piece while they are still in the
// shared last-level cache, waiting only for the owners of those parts instead of a barrier.
void two_shot_all_reduce_around(const ShmContext& c, const OpArgs& a, const ChunkStep& between,
                                int avg_ranks) {
  const Peers peers(c, a);
  const int64_t count = a.layout.recv_count;
  const int64_t piece_elems =
      c.pipeline_bytes == 0
          ? count
          : std::max<int64_t>(1, static_cast<int64_t>(c.pipeline_bytes / peers.elt()));
  const int64_t pieces = std::max<int64_t>(1, (count + piece_elems - 1) / piece_elems);
  char* out = peers.output(peers.rank());
  auto piece_range = [&](int64_t j) {
    return std::make_pair(j * piece_elems, std::min(count, (j + 1) * piece_elems));
  };
  auto copy_peers_parts = [&](int64_t j) {
    const auto [plo, phi] = piece_range(j);
    for (int k = 1; k < peers.size(); ++k) {
      const int p = peers.peer(k);
      const auto [lo, hi] = peers.chunk(phi - plo, p);
      c.node.wait_for(p, static_cast<uint64_t>(j + 1));
      std::memcpy(out + (plo + lo) * peers.elt(), peers.output(p) + (plo + lo) * peers.elt(),
                  peers.bytes(hi - lo));
    }
  };
  c.node.barrier();
  for (int64_t j = 0; j < pieces; ++j) {
    const auto [plo, phi] = piece_range(j);
    const auto [lo, hi] = peers.chunk(phi - plo, peers.rank());
    char* mine = out + (plo + lo) * peers.elt();
    reduce_range(c, a, peers, mine, plo + lo, plo + hi, between ? 0 : avg_ranks);
    if (between) {
      between(mine, hi - lo);
      if (a.op == RedOp::kAvg) host_finish_avg(a.dtype, mine, hi - lo, avg_ranks);
    }
    c.node.publish();
    if (j > 0) copy_peers_parts(j - 1);
  }
  copy_peers_parts(pieces - 1);
}

const std::vector<ShmAlgorithm>& shm_algorithms() {
  static const std::vector<ShmAlgorithm> table = {
      {Collective::kAllReduce, "two_shot", two_shot_all_reduce},
      {Collective::kAllReduce, "one_shot", one_shot_all_reduce},
      {Collective::kAllGather, "one_shot", one_shot_all_gather},
      {Collective::kReduceScatter, "one_shot", one_shot_reduce_scatter},
      {Collective::kAllToAll, "pairwise", pairwise_all_to_all},
      {Collective::kBroadcast, "one_shot", one_shot_broadcast},
  };
  return table;
}

const ShmAlgorithm* find_shm_algorithm(Collective c, std::string_view algorithm) {
  for (const ShmAlgorithm& a : shm_algorithms()) {
    if (a.collective == c && (algorithm == "auto" || algorithm == a.algorithm)) return &a;
  }
  return nullptr;
}

}  // namespace collbench
