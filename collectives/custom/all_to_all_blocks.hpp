#pragma once
// Where the blocks of an all_to_all are on one rank while a schedule relays them (Bruck, the
// hierarchical all_to_all): chunk s * n + d is the block rank s sends to rank d. Blocks this rank
// sends start in its send buffer, blocks for it land in its receive buffer, and blocks it only
// passes on wait in relay storage that is kept (and its memory reused) from one call to the next.
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "collectives/custom/step_plan.hpp"

namespace collbench {

class AllToAllBlocks {
 public:
  AllToAllBlocks(int me, int nranks) : me_(me), nranks_(nranks) {}

  // Starts a call: the send buffer must not be the receive buffer (in place, pass a copy) and
  // blocks have `block_bytes` bytes. Copies this rank's block to itself.
  void start(const char* send, char* recv, std::size_t block_bytes);

  // What this rank sends for chunk `c` (a block it owns or relays). Throws std::logic_error when
  // it holds no such block: a schedule that routes a block through a rank that never got it.
  std::span<const char> held(int64_t c) const;
  // Stores an arrived block: in the receive buffer when it is for this rank, else for relaying.
  void store(int64_t c, const char* data);
  std::size_t block_bytes() const { return block_; }

  // The access an executor needs (chunks of an all_to_all schedule are blocks).
  ChunkAccess access();

 private:
  int me_, nranks_;
  const char* send_ = nullptr;
  char* recv_ = nullptr;
  std::size_t block_ = 0;
  struct Relayed {
    std::vector<char> bytes;
    bool present = false;  // false: memory kept from an earlier call, block not here now
  };
  std::map<int64_t, Relayed> relayed_;
};

}  // namespace collbench
