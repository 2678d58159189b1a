#include "collectives/custom/shm_hierarchical.hpp"

#include <cstring>
#include <vector>

#include "kernels/host_reduce.hpp"

namespace collbench {
namespace {

// This rank's view of its node in a collective over all nodes: in place, BufferLayout offsets
// count in global ranks, and a local peer p's global rank differs from this rank's by p - rank.
class NodePeers {
 public:
  NodePeers(const ShmContext& c, const OpArgs& a, const NodePlace& place)
      : node_(c.node),
        a_(a),
        elt_(dtype_info(a.dtype).size),
        local_(c.node.rank()),
        k_(c.node.size()),
        place_(place) {}

  int local() const { return local_; }
  int k() const { return k_; }
  int nodes() const { return place_.nodes; }
  int global() const { return place_.node * k_ + local_; }
  std::size_t bytes(int64_t count) const { return static_cast<std::size_t>(count) * elt_; }
  // The k-th local peer in the order that gives every owner one reader at a time.
  int peer(int k) const { return (local_ + k) % k_; }

  const char* input(int p) const {
    if (p == local_) return static_cast<const char*>(a_.send[0]);
    return static_cast<const char*>(node_.peer_address(a_.send[0], p)) +
           shift(p, a_.layout.send_inplace_offset);
  }
  const char* output(int p) const {
    if (p == local_) return static_cast<const char*>(a_.recv[0]);
    return static_cast<const char*>(node_.peer_address(a_.recv[0], p)) +
           shift(p, a_.layout.recv_inplace_offset);
  }

 private:
  // peer_address keeps this rank's offset in the buffer; in place, p's part sits elsewhere.
  std::ptrdiff_t shift(int p, int64_t inplace_offset) const {
    if (!a_.inplace) return 0;
    return static_cast<std::ptrdiff_t>((p - local_) * inplace_offset) *
           static_cast<std::ptrdiff_t>(elt_);
  }

  ShmNode& node_;
  const OpArgs& a_;
  std::size_t elt_;
  int local_, k_;
  NodePlace place_;
};

}  // namespace

// The rail fills this rank's receive buffer at blocks i * k + l while peers fill theirs; after
// the barrier every block of the node's receive buffers is final and each rank reads the others.
// Nothing here overwrites what a peer reads during this operation (a peer's send block, in place,
// is already where it belongs), so the next operation's starting barrier is enough.
void hierarchical_all_gather_around(const ShmContext& c, const OpArgs& a, const NodePlace& place,
                                    const RailStep& rail) {
  const NodePeers peers(c, a, place);
  const std::size_t block = peers.bytes(a.layout.param_count);
  const auto stride = static_cast<std::size_t>(peers.k()) * block;
  char* out = static_cast<char*>(a.recv[0]);
  c.node.barrier();  // peers are done reading this buffer from the previous operation
  if (!a.inplace) std::memcpy(out + block * peers.global(), a.send[0], block);
  rail({out + block * peers.local(), stride, block});
  c.node.barrier();
  for (int k = 1; k < peers.k(); ++k) {
    const int p = peers.peer(k);
    const char* theirs = peers.output(p);
    for (int i = 0; i < peers.nodes(); ++i) {
      const std::size_t at = stride * i + block * p;
      std::memcpy(out + at, theirs + at, block);
    }
  }
}

// Only this rank reads its inputs' blocks i * k + l, so writing its own block in place (block
// node * k + l of its send buffer) while peers still read their blocks is safe.
void hierarchical_reduce_scatter_around(const ShmContext& c, const OpArgs& a,
                                        const NodePlace& place, const RailStep& rail) {
  const NodePeers peers(c, a, place);
  const int64_t base = a.layout.param_count;
  const std::size_t block = peers.bytes(base);
  const auto stride = static_cast<std::size_t>(peers.k()) * block;
  c.scratch.resize(block * static_cast<std::size_t>(peers.nodes()));
  c.node.barrier();  // every input is ready
  std::vector<const char*> inputs(static_cast<std::size_t>(peers.k()));
  for (int i = 0; i < peers.nodes(); ++i) {
    const std::size_t at = stride * i + block * peers.local();
    for (int k = 0; k < peers.k(); ++k) inputs[k] = peers.input(peers.peer(k)) + at;
    reduce_inputs(a.dtype, a.op, c.scratch.data() + block * i, inputs, base, c.piece_bytes);
  }
  rail({c.scratch.data(), block, block});
  char* out = static_cast<char*>(a.recv[0]);
  std::memcpy(out, c.scratch.data() + block * place.node, block);
  if (a.op == RedOp::kAvg) host_finish_avg(a.dtype, out, base, peers.k() * peers.nodes());
}

// Only the rail rank of each node writes during the rail phase; the others wait at the barrier
// and then read that rank's receive buffer, which nobody writes again in this operation.
void hierarchical_broadcast_around(const ShmContext& c, const OpArgs& a, const NodePlace& place,
                                   const RailStep& rail) {
  const NodePeers peers(c, a, place);
  const std::size_t bytes = peers.bytes(a.layout.recv_count);
  const int rail_rank = a.root % peers.k();
  c.node.barrier();  // peers are done reading this buffer from the previous operation
  if (peers.local() == rail_rank) {
    if (peers.global() == a.root && !a.inplace) std::memcpy(a.recv[0], a.send[0], bytes);
    rail({static_cast<char*>(a.recv[0]), bytes, bytes});
  }
  c.node.barrier();
  if (peers.local() != rail_rank) std::memcpy(a.recv[0], peers.output(rail_rank), bytes);
}

}  // namespace collbench
