#include "collectives/custom/shared_gpu.hpp"

#include <algorithm>
#include <cstring>
#include <map>

namespace collbench {

std::optional<std::string> shared_gpu_refusal(const std::vector<std::string>& devices,
                                              const std::vector<std::string>& names,
                                              const char* allow) {
  if (allow != nullptr && std::strcmp(allow, "1") == 0) return std::nullopt;
  std::map<std::string, std::vector<std::size_t>> by_device;
  for (std::size_t r = 0; r < devices.size(); ++r) by_device[devices[r]].push_back(r);
  std::string shared;
  for (const auto& [device, ranks] : by_device) {
    if (ranks.size() < 2) continue;
    shared += shared.empty() ? "" : "; ";
    shared += "GPU " + device + " runs ";
    for (std::size_t i = 0; i < ranks.size(); ++i) {
      shared += (i == 0 ? "" : ", ") +
                (ranks[i] < names.size() ? names[ranks[i]] : "rank " + std::to_string(ranks[i]));
    }
  }
  if (shared.empty()) return std::nullopt;
  return "backend custom on device memory needs one GPU per rank: " + shared +
         ". Processes sharing a GPU without MPS take turns on it, so the kernels, which wait on "
         "each other, would measure the time-slice scheduler. Run at most one rank per GPU, or "
         "set " +
         std::string(kAllowSharedGpuEnv) +
         "=1 to run anyway (with MPS, or to test correctness rather than speed)";
}

int ranks_on_same_gpu(const std::vector<std::string>& devices, int rank) {
  const std::string& mine = devices.at(static_cast<std::size_t>(rank));
  return static_cast<int>(std::count(devices.begin(), devices.end(), mine));
}

}  // namespace collbench
