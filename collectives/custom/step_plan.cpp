#include "collectives/custom/step_plan.hpp"

#include <algorithm>
#include <cstring>

namespace collbench {
namespace {

// The group for `peer` in `groups`, added at the end (peers in order of first appearance) if new.
PeerChunks& group_for(std::vector<PeerChunks>& groups, int peer) {
  auto it = std::find_if(groups.begin(), groups.end(),
                         [peer](const PeerChunks& g) { return g.peer == peer; });
  if (it != groups.end()) return *it;
  groups.push_back({peer, {}});
  return groups.back();
}

}  // namespace

std::vector<RankStep> plan_for_rank(const Schedule& schedule, int me) {
  std::vector<RankStep> plan(schedule.steps.size());
  for (std::size_t i = 0; i < schedule.steps.size(); ++i) {
    for (const Transfer& t : schedule.steps[i].transfers) {
      if (t.src == me) group_for(plan[i].sends, t.dst).transfers.push_back(t);
      if (t.dst == me) group_for(plan[i].receives, t.src).transfers.push_back(t);
    }
  }
  return plan;
}

std::size_t message_bytes(const PeerChunks& chunks, const ChunkAccess& access) {
  std::size_t total = 0;
  for (const Transfer& t : chunks.transfers) total += access.bytes(t);
  return total;
}

std::span<const char> pack_message(const PeerChunks& chunks, const ChunkAccess& access,
                                   std::vector<char>& buffer) {
  if (chunks.transfers.size() == 1) return access.source(chunks.transfers.front());
  buffer.resize(message_bytes(chunks, access));
  std::size_t at = 0;
  for (const Transfer& t : chunks.transfers) {
    const std::span<const char> part = access.source(t);
    if (!part.empty()) std::memcpy(buffer.data() + at, part.data(), part.size());
    at += part.size();
  }
  return {buffer.data(), buffer.size()};
}

void unpack_message(const PeerChunks& chunks, const ChunkAccess& access, const char* message) {
  std::size_t at = 0;
  for (const Transfer& t : chunks.transfers) {
    access.deliver(t, message + at);
    at += access.bytes(t);
  }
}

}  // namespace collbench
