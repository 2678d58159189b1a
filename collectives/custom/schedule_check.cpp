#include "collectives/custom/schedule_check.hpp"

#include <bitset>
#include <vector>

namespace collbench {
namespace {

constexpr int kMaxRanks = 64;  // the range; one machine word per chunk keeps the check fast
using Contributions = std::bitset<kMaxRanks>;

std::string where(std::size_t step, int rank, int64_t chunk) {
  return "step " + std::to_string(step) + ": rank " + std::to_string(rank) + " chunk " +
         std::to_string(chunk);
}

}  // namespace

std::string check_schedule(const Schedule& s, int root) {
  const int n = s.shape.nranks;
  if (n > kMaxRanks) return "the checker handles at most 64 ranks";
  // Initial state: what each rank's buffer holds before the collective.
  std::vector<std::vector<Contributions>> state(n, std::vector<Contributions>(s.nchunks));
  for (int r = 0; r < n; ++r) {
    for (int64_t c = 0; c < s.nchunks; ++c) {
      switch (s.collective) {
        case Collective::kAllGather:
          if (c == r) state[r][c].set(r);  // its own block only
          break;
        case Collective::kAllToAll:
          if (c / n == r) state[r][c].set(r);  // the blocks it sends
          break;
        case Collective::kBroadcast:
          if (r == root) state[r][c].set(r);
          break;
        default:
          state[r][c].set(r);  // reductions: its own contribution everywhere
      }
    }
  }
  for (std::size_t step = 0; step < s.steps.size(); ++step) {
    const auto before = state;
    std::vector<std::vector<bool>> replaced(n, std::vector<bool>(s.nchunks, false));
    for (const Transfer& t : s.steps[step].transfers) {
      if (t.src < 0 || t.src >= n || t.dst < 0 || t.dst >= n || t.src == t.dst) {
        return "step " + std::to_string(step) + ": bad transfer " + std::to_string(t.src) + " -> " +
               std::to_string(t.dst);
      }
      if (t.chunk < 0 || t.chunk >= s.nchunks)
        return where(step, t.dst, t.chunk) + ": no such chunk";
      const Contributions& incoming = before[t.src][t.chunk];
      if (incoming.none()) {
        return where(step, t.src, t.chunk) + ": sends a chunk it does not hold";
      }
      Contributions& target = state[t.dst][t.chunk];
      if (t.reduce) {
        if ((target & incoming).any()) {
          return where(step, t.dst, t.chunk) + ": receives a contribution it already has";
        }
        target |= incoming;
      } else {
        if (replaced[t.dst][t.chunk]) return where(step, t.dst, t.chunk) + ": written twice";
        replaced[t.dst][t.chunk] = true;
        target = incoming;
      }
    }
  }
  Contributions everyone;
  for (int r = 0; r < n; ++r) everyone.set(r);
  for (int r = 0; r < n; ++r) {
    for (int64_t c = 0; c < s.nchunks; ++c) {
      Contributions want;
      bool checked = true;
      switch (s.collective) {
        case Collective::kAllReduce:
          want = everyone;
          break;
        case Collective::kReduceScatter:
          checked = c == r;
          want = everyone;
          break;
        case Collective::kAllGather:
          want.set(static_cast<std::size_t>(c));
          break;
        case Collective::kAllToAll:
          checked = c % n == r;  // the blocks destined to r
          want.set(static_cast<std::size_t>(c / n));
          break;
        case Collective::kBroadcast:
          want.set(static_cast<std::size_t>(root));
          break;
        default:
          checked = false;
      }
      if (checked && state[r][c] != want) {
        return "final state: rank " + std::to_string(r) + " chunk " + std::to_string(c) +
               " holds the wrong contributions";
      }
    }
  }
  return "";
}

}  // namespace collbench
