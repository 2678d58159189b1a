#pragma once
// The synchronisation protocol of the peer kernels (device_peer_collectives.cu), as pure
// functions that the kernels and the host-side model (tests/unit/test_peer_protocol.cpp) share.
//
// Every rank owns a flag array in its own GPU memory; peers write into it remotely (release,
// system scope) and the owner reads it (acquire). Epochs count operations from 1, the same on
// every rank for the same operation.
//
// Within one operation every rank uses the same layout, so block b of a rank only exchanges data
// with block b of its peers: the "ready" and "reduced" phases are per-block flags.
//
// Between operations the layout changes with the count and the datatype: block b's slice in
// operation e+1 can overlap block b' 's slice in operation e. So a rank may write into its shared
// buffers for operation e only after EVERY block of EVERY peer has finished reading operation
// e-1 (the write gate). Each block, once done reading, counts itself on a local arrival counter;
// the last block of the grid publishes "rank r drained epoch e" into every peer's done flag. A
// block then waits for one done flag per peer, not one per peer block.
#include <cstdint>

#include "core/host_device.hpp"

namespace collbench {

inline constexpr int kMaxPeerRanks = 16;
// Upper bound on blocks per launch (the grid itself is sized from the SM count, see
// peer_grid_blocks); fixes the size of the flag array.
inline constexpr int kMaxPeerBlocks = 512;

// The per-block phases of one operation.
enum PeerPhase : int { kPeerReady = 0, kPeerReduced = 1, kPeerBlockPhases = 2 };

// Word offsets in one rank's flag array (64-bit words):
//   [phase][from_rank][block]  per-block epochs
//   [from_rank]                done: the last epoch from_rank's whole grid finished reading
//   [1]                        this rank's arrival counter (only its own blocks touch it)
CB_HD constexpr int64_t peer_block_flag(int phase, int from_rank, int block) {
  return (static_cast<int64_t>(phase) * kMaxPeerRanks + from_rank) * kMaxPeerBlocks + block;
}
CB_HD constexpr int64_t peer_done_flag(int from_rank) {
  return peer_block_flag(kPeerBlockPhases, 0, 0) + from_rank;
}
CB_HD constexpr int64_t peer_arrival_counter() {
  return peer_done_flag(kMaxPeerRanks);
}
CB_HD constexpr int64_t peer_flag_words() {
  return peer_arrival_counter() + 1;
}

// The epoch every peer's done flag must have reached before this rank writes shared buffers for
// operation `epoch` (0: nothing to wait for, the first operation).
CB_HD constexpr uint64_t peer_write_gate(uint64_t epoch) {
  return epoch - 1;
}

// A block arriving at the end of an operation saw `arrived_before` blocks ahead of it: it is the
// last when it completes the grid, and then publishes the done flags (and resets the counter for
// the next launch, which starts only after this one ends: same stream).
CB_HD constexpr bool peer_last_arrival(uint64_t arrived_before, int blocks) {
  return arrived_before + 1 == static_cast<uint64_t>(blocks);
}

// [lo, hi) of `count` items for part `part` of `parts`, boundaries on multiples of `align`:
// the slices partition [0, count) in order, some possibly empty.
struct PeerSlice {
  int64_t lo;
  int64_t hi;
};
CB_HD constexpr PeerSlice peer_slice(int64_t count, int part, int parts, int64_t align) {
  const int64_t units = (count + align - 1) / align;
  const int64_t per = (units + parts - 1) / parts;
  const int64_t lo = per * part * align;
  const int64_t hi = per * (part + 1) * align;
  return {lo < count ? lo : count, hi < count ? hi : count};
}

// Whether a wait that started at `start_ns` has run out of its `timeout_ns` (0: never).
CB_HD constexpr bool peer_wait_expired(uint64_t start_ns, uint64_t now_ns, uint64_t timeout_ns) {
  return timeout_ns != 0 && now_ns - start_ns > timeout_ns;
}

// Blocks per launch: as many as stay resident at once (a block spins on its peers' blocks, so
// none may wait for a free SM), shared among the ranks whose kernels run on the same GPU at the
// same time, at most kMaxPeerBlocks, at least one. `resident_per_sm` is the occupancy of the
// kernel, `wanted_per_sm` the blocks per SM that saturate memory.
CB_HD constexpr int peer_grid_blocks(int sms, int resident_per_sm, int wanted_per_sm,
                                     int ranks_per_gpu) {
  const int per_sm = resident_per_sm < wanted_per_sm ? resident_per_sm : wanted_per_sm;
  const int share = ranks_per_gpu > 0 ? ranks_per_gpu : 1;
  const int blocks = sms * per_sm / share;
  return blocks < 1 ? 1 : (blocks > kMaxPeerBlocks ? kMaxPeerBlocks : blocks);
}

// What a kernel leaves for the host when a wait runs out (host-mapped memory): which peer never
// arrived, where, and in which operation. `timed_out` is 0 until then.
struct PeerWaitStatus {
  uint32_t timed_out;
  int32_t peer;   // the rank (index in the backend's communicator) that never arrived
  int32_t phase;  // kPeerReady, kPeerReduced, or kPeerBlockPhases for the write gate
  int32_t block;
  uint64_t epoch;
};

// "ready", "reduced", "done": for messages.
inline const char* peer_phase_name(int phase) {
  switch (phase) {
    case kPeerReady:
      return "its input staged (ready)";
    case kPeerReduced:
      return "its reduced piece (reduced)";
    default:
      return "the end of the previous operation (done)";
  }
}

}  // namespace collbench
