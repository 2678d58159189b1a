#pragma once
// How an operation's device buffers are staged through host memory for a library that cannot
// read device memory (a non-CUDA-aware MPI). Pure arithmetic, so it is tested on any machine.
//   out of place: the send buffer (send_count elements) goes to one host buffer and the receive
//                 buffer (recv_count elements) to another, each copied in, and recv copied back;
//   in place:     input and output overlap in one device region; it is staged whole, and the
//                 host pointers keep the device pointers' offsets inside it.
#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace collbench {

struct StagingPlan {
  bool single_region = false;
  // in place: the region [region, region + region_bytes) and the offsets of send and recv in it
  const char* region = nullptr;
  std::size_t region_bytes = 0;
  std::size_t send_offset = 0;
  std::size_t recv_offset = 0;
  // out of place: the two buffers' sizes
  std::size_t send_bytes = 0;
  std::size_t recv_bytes = 0;
};

inline StagingPlan plan_staging(const void* send, const void* recv, int64_t send_count,
                                int64_t recv_count, std::size_t elt, bool inplace) {
  StagingPlan plan;
  plan.send_bytes = static_cast<std::size_t>(send_count) * elt;
  plan.recv_bytes = static_cast<std::size_t>(recv_count) * elt;
  if (!inplace) return plan;
  const auto* s = static_cast<const char*>(send);
  const auto* r = static_cast<const char*>(recv);
  const char* lo = std::min(s, r);
  const char* hi = std::max(s + plan.send_bytes, r + plan.recv_bytes);
  plan.single_region = true;
  plan.region = lo;
  plan.region_bytes = static_cast<std::size_t>(hi - lo);
  plan.send_offset = static_cast<std::size_t>(s - lo);
  plan.recv_offset = static_cast<std::size_t>(r - lo);
  return plan;
}

}  // namespace collbench
