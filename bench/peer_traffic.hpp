#pragma once
// Device-memory bytes (read + written) one all_reduce of the peer kernels moves, summed over the
// ranks: the measure bench_peer_allreduce holds against the d2d copy engine's traffic, as
// `collbench copy` does for its own kernels (a copy of N bytes moves 2N).
#include <cstdint>

namespace collbench {

// Two-shot, per rank: stage the input (read S, write S), reduce its 1/n piece from every rank's
// stage (read S, write S/n), gather every piece into the output (read S, write S).
constexpr double two_shot_traffic_bytes(double bytes, int nranks) {
  return nranks * (5.0 * bytes + bytes / nranks);
}

// One-shot, per rank: stage the input (read S, write S), reduce all of it from every stage
// (read n S, write S).
constexpr double one_shot_traffic_bytes(double bytes, int nranks) {
  return nranks * ((3.0 + nranks) * bytes);
}

}  // namespace collbench
