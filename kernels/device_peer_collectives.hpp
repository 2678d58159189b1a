#pragma once
// Collectives as one kernel launch over peer memory: every rank's staging buffer, reduced buffer
// and flag array are mapped into every other rank's address space (CUDA IPC between processes,
// several of which may share one GPU). Ranks synchronise with epoch flags written with
// release and read with acquire semantics at system scope, never with host round trips.
//
// Each of the grid's blocks owns the same slice of the buffers on every rank, so a block only
// waits for the same block of its peers: no grid-wide barrier. A block also waits, before it
// overwrites its staging slice, until every peer has finished reading that slice in the previous
// operation (the "done" flags), so operations can follow each other on the stream without a
// host-side barrier.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"
#include "core/redop.hpp"

namespace collbench {

inline constexpr int kMaxPeerRanks = 16;
inline constexpr int kPeerBlocks = 32;  // blocks per launch: enough to saturate NVLink copies

// This rank's view of every rank's buffers (its own included), indexed by rank.
struct PeerBuffers {
  int rank = 0;
  int nranks = 1;
  void* stage[kMaxPeerRanks] = {};    // each rank's input, copied in
  void* reduced[kMaxPeerRanks] = {};  // two-shot: each rank's reduced piece
  uint64_t* flags[kMaxPeerRanks] = {};
};

// Bytes of one rank's flag array (3 phases x ranks x blocks of 64-bit epochs), zeroed before use.
std::size_t peer_flag_bytes();

// `epoch` counts operations from 1 and must be the same on every rank for the same operation.
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
