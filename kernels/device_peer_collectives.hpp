#pragma once
// Collectives as one kernel launch over peer memory: every rank's staging buffer, reduced buffer
// and flag array are mapped into every other rank's address space (CUDA IPC between processes,
// or plain pointers for several ranks in one process). Ranks synchronise with epoch flags written
// with release and read with acquire semantics at system scope, never with host round trips.
//
// The protocol (which flags a block waits for, and why back-to-back operations with different
// layouts are safe without a host barrier) is in kernels/peer_protocol.hpp.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"
#include "core/redop.hpp"
#include "kernels/peer_protocol.hpp"

namespace collbench {

// This rank's view of every rank's buffers (its own included), indexed by rank.
struct PeerBuffers {
  int rank = 0;
  int nranks = 1;
  // Blocks per launch: the same on every rank (block b pairs with block b of each peer), from
  // peer_launch_blocks() agreed over the ranks.
  int blocks = 1;
  // A wait for a peer gives up after this many nanoseconds (0: never) and reports in `status`.
  uint64_t timeout_ns = 0;
  PeerWaitStatus* status = nullptr;   // host-mapped (cudaHostAllocMapped), device pointer
  void* stage[kMaxPeerRanks] = {};    // each rank's input, copied in
  void* reduced[kMaxPeerRanks] = {};  // two-shot: each rank's reduced piece
  uint64_t* flags[kMaxPeerRanks] = {};
};

// Bytes of one rank's flag array (peer_flag_words() 64-bit words), zeroed before first use.
std::size_t peer_flag_bytes();

// Blocks per launch on the current device when `ranks_per_gpu` ranks' kernels share it at once:
// from its SM count and the kernels' occupancy (peer_grid_blocks).
int peer_launch_blocks(int ranks_per_gpu);

// `epoch` counts operations from 1 and must be the same on every rank for the same operation.
// Any count and datatype may follow any other on the same buffers and flags.
// One-shot: every rank reads every rank's whole input and reduces it (latency-bound sizes).
void peer_all_reduce_one_shot(DType dtype, RedOp op, const PeerBuffers& peers, const void* send,
                              void* recv, int64_t count, uint64_t epoch, cudaStream_t stream);
// Two-shot: each rank reduces its 1/n piece (reduce-scatter), then gathers the others' pieces.
void peer_all_reduce_two_shot(DType dtype, RedOp op, const PeerBuffers& peers, const void* send,
                              void* recv, int64_t count, uint64_t epoch, cudaStream_t stream);
// All-to-all: block p of the result is block `rank` of peer p's input; `block_bytes` per peer.
void peer_all_to_all(const PeerBuffers& peers, const void* send, void* recv, int64_t block_bytes,
                     uint64_t epoch, cudaStream_t stream);

}  // namespace collbench
