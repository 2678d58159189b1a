#pragma once
// A schedule seen from one rank: per step, which chunks it sends to each peer and receives from
// each, in one message per peer. Both ends of a pair list the chunks in the schedule's order, so
// the receiver knows where every byte of a message goes without a header. The transports (MPI
// point-to-point here, an in-process loopback in the tests) only move the packed messages.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "collectives/custom/schedule.hpp"

namespace collbench {

struct PeerChunks {
  int peer = 0;
  std::vector<Transfer> transfers;  // in schedule order
};

struct RankStep {
  std::vector<PeerChunks> sends;
  std::vector<PeerChunks> receives;
};

// The steps of `schedule` as rank `me` executes them (steps it takes no part in stay, empty, so
// every rank counts the same steps).
std::vector<RankStep> plan_for_rank(const Schedule& schedule, int me);

// Where a rank's chunks are: what it sends for a chunk (its state before the step), how many bytes
// a chunk has, and what it does with one that arrived (add it, or store it).
struct ChunkAccess {
  std::function<std::span<const char>(const Transfer&)> source;
  std::function<std::size_t(const Transfer&)> bytes;
  std::function<void(const Transfer&, const char* data)> deliver;
};

// Bytes of the message carrying `chunks`.
std::size_t message_bytes(const PeerChunks& chunks, const ChunkAccess& access);
// The message to send: a view of the chunk itself when there is one, else packed into `buffer`.
std::span<const char> pack_message(const PeerChunks& chunks, const ChunkAccess& access,
                                   std::vector<char>& buffer);
// Hands every chunk of an arrived message to `access.deliver`, in order.
void unpack_message(const PeerChunks& chunks, const ChunkAccess& access, const char* message);

}  // namespace collbench
