#include "topology/fleet.hpp"

#include <cstdio>
#include <map>

namespace collbench {

std::vector<std::string> odd_hosts(const std::vector<HostFingerprint>& hosts) {
  std::map<uint64_t, int> counts;
  uint64_t majority = hosts.empty() ? 0 : hosts.front().hash;
  for (const HostFingerprint& h : hosts) {
    if (++counts[h.hash] > counts[majority]) majority = h.hash;
  }
  std::vector<std::string> odd;
  for (const HostFingerprint& h : hosts) {
    if (h.hash != majority) odd.push_back(h.host);
  }
  return odd;
}

std::string hash_hex(uint64_t hash) {
  char text[20];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace collbench
