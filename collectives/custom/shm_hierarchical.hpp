#pragma once
// The hierarchical all_gather, reduce_scatter and broadcast across (virtual) nodes with shared
// memory inside each node: the node phase reads the peers' buffers in the node's shared windows
// (ShmNode) and meets at its counter barriers, and only the rail phase (the ranks with the same
// local index, one per node) goes through `rail`, which the backend runs over MPI point-to-point.
// Like two_shot_all_reduce_around, each operation starts with a node barrier, so the previous
// operation's readers are done before anything is overwritten.
#include <cstddef>
#include <functional>

#include "collectives/backend.hpp"
#include "collectives/custom/shm_collectives.hpp"

namespace collbench {

// The chunks the rail phase works on, in this rank's memory: rail chunk i (i = node index along
// the rail) is `bytes` at `base + i * stride`.
struct RailBlocks {
  char* base;
  std::size_t stride;
  std::size_t bytes;
};
using RailStep = std::function<void(const RailBlocks& blocks)>;

// Where this rank's node sits: node `node` of `nodes`, each of context.node.size() ranks; the
// global rank is node * size + local rank.
struct NodePlace {
  int node;
  int nodes;
};

// Rail ring all-gather of the blocks i * k + l into the receive buffer, a node barrier, then each
// rank copies blocks i * k + p from every local peer p's receive buffer.
void hierarchical_all_gather_around(const ShmContext& context, const OpArgs& args,
                                    const NodePlace& place, const RailStep& rail);
// Each rank reduces blocks i * k + l over its node's inputs into private scratch (rail chunk i),
// the rail reduce-scatter leaves chunk `node` reduced everywhere, which is this rank's block.
// An average divides by every rank once, at the end.
void hierarchical_reduce_scatter_around(const ShmContext& context, const OpArgs& args,
                                        const NodePlace& place, const RailStep& rail);
// The root's rail broadcasts across nodes into its receive buffers (rail chunk 0: the whole
// vector), a node barrier, then every other rank copies from its node's rail rank.
void hierarchical_broadcast_around(const ShmContext& context, const OpArgs& args,
                                   const NodePlace& place, const RailStep& rail);

}  // namespace collbench
