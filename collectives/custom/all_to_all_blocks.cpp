#include "collectives/custom/all_to_all_blocks.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace collbench {

void AllToAllBlocks::start(const char* send, char* recv, std::size_t block_bytes) {
  send_ = send;
  recv_ = recv;
  block_ = block_bytes;
  for (auto& [chunk, relayed] : relayed_) relayed.present = false;
  if (block_ > 0) std::memcpy(recv_ + me_ * block_, send_ + me_ * block_, block_);
}

std::span<const char> AllToAllBlocks::held(int64_t c) const {
  const int src = static_cast<int>(c / nranks_), dst = static_cast<int>(c % nranks_);
  if (auto it = relayed_.find(c); it != relayed_.end() && it->second.present) {
    return {it->second.bytes.data(), block_};
  }
  if (src == me_) return {send_ + dst * block_, block_};
  if (dst == me_) return {recv_ + src * block_, block_};
  throw std::logic_error("rank " + std::to_string(me_) + " is asked to send block " +
                         std::to_string(src) + "->" + std::to_string(dst) + " it does not hold");
}

void AllToAllBlocks::store(int64_t c, const char* data) {
  const int src = static_cast<int>(c / nranks_), dst = static_cast<int>(c % nranks_);
  if (dst == me_) {
    if (block_ > 0) std::memcpy(recv_ + src * block_, data, block_);
    return;
  }
  Relayed& slot = relayed_[c];
  slot.bytes.resize(block_);
  if (block_ > 0) std::memcpy(slot.bytes.data(), data, block_);
  slot.present = true;
}

ChunkAccess AllToAllBlocks::access() {
  return {[this](const Transfer& t) { return held(t.chunk); },
          [this](const Transfer&) { return block_; },
          [this](const Transfer& t, const char* data) { store(t.chunk, data); }};
}

}  // namespace collbench
