#pragma once
// Comparing nodes by fingerprint: the majority fingerprint is what the fleet should look like;
// a host with another one is odd (a missing GPU, a different NIC, a slower link, other drivers).
#include <cstdint>
#include <string>
#include <vector>

namespace collbench {

struct HostFingerprint {
  std::string host;
  uint64_t hash = 0;
};

// Hosts whose fingerprint differs from the most common one (ties: the first seen wins), in input
// order. Empty when all agree.
std::vector<std::string> odd_hosts(const std::vector<HostFingerprint>& hosts);

std::string hash_hex(uint64_t hash);

}  // namespace collbench
