#include "harness/contention_survey.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

#include <nlohmann/json.hpp>

#include "topology/gpu_contention.hpp"

namespace collbench {
namespace {

constexpr std::size_t kRecordBytes = 1024;  // a node's causes, joined by newlines (cut if longer)

HostContention probe(const Runtime& runtime, int snapshots) {
  ContentionProbe probe;
  probe.ranks_on_node = runtime.local_size();
  probe.snapshots = snapshots;
  return probe_host_contention(probe);
}

}  // namespace

ContentionSurvey::ContentionSurvey(Runtime& runtime, GpuSurveyPlan gpus) {
  if (gpus.uses_gpus) learn_node_gpus(runtime, gpus);
  if (runtime.local_rank() == 0) {
    start_ = probe(runtime, 4);
    // Before the backends start, the ranks have no context on their devices: every process
    // listed is another.
    for (std::string& cause : gpu_causes(false)) start_.causes.push_back(std::move(cause));
  }
  causes_ = gather(runtime, start_.causes);
  if (gpus.uses_gpus) {
    std::vector<std::string> unchecked;
    if (!gpu_unchecked_here_.empty()) unchecked.push_back(gpu_unchecked_here_);
    gpu_unchecked_ = gather(runtime, unchecked);
  }
}

void ContentionSurvey::learn_node_gpus(Runtime& runtime, const GpuSurveyPlan& plan) {
  // Each rank tells its node's first rank its pid (the driver lists processes by pid) and its
  // CUDA_VISIBLE_DEVICES (which may differ per rank under Slurm), from which its devices follow.
  const std::unique_ptr<Runtime> node =
      runtime.split(runtime.node_index(), runtime.local_rank(), "the GPU contention survey");
  nlohmann::json mine = {{"pid", static_cast<long long>(getpid())},
                         {"local_rank", runtime.local_rank()}};
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) mine["visible"] = visible;
  const std::vector<std::string> ranks =
      node->gather_strings(mine.dump(), "pids and devices for the GPU contention survey");
  if (runtime.local_rank() != 0) return;
  gpus_ = plan.open();
  gpu_unchecked_here_ = gpus_->unavailable();
  if (!gpu_unchecked_here_.empty()) return;
  const unsigned count = gpus_->device_count();
  for (const std::string& text : ranks) {
    const nlohmann::json rank = nlohmann::json::parse(text);
    node_pids_.insert(static_cast<pid_t>(rank.at("pid").get<long long>()));
    const std::optional<std::string> visible =
        rank.contains("visible") ? std::optional(rank["visible"].get<std::string>()) : std::nullopt;
    for (const std::string& device :
         rank_gpu_devices(visible, count, rank.at("local_rank"), plan.gpus_per_process)) {
      if (ranks_per_device_[device]++ == 0) gpu_devices_.push_back(device);
    }
  }
}

std::vector<std::string> ContentionSurvey::gpu_causes(bool ranks_on_devices) {
  if (!gpus_ || !gpus_->unavailable().empty()) return {};
  const GpuContention found =
      probe_gpu_contention(*gpus_, gpu_devices_, node_pids_,
                           ranks_on_devices ? ranks_per_device_ : std::map<std::string, int>{});
  if (!ranks_on_devices) gpu_unchecked_here_ = found.unchecked;
  return found.causes;
}

std::vector<std::string> ContentionSurvey::new_causes(Runtime& runtime) {
  std::vector<std::string> mine;
  if (runtime.local_rank() == 0) {
    HostContention now = probe(runtime, 3);
    // By now the ranks have contexts on their devices (under their own pids, or in a container
    // under pids this /proc does not know).
    for (std::string& cause : gpu_causes(true)) now.causes.push_back(std::move(cause));
    for (const std::string& cause : now.causes) {
      // The count of busy processes may change; any busy-process line is news only if there
      // was none at the start.
      const bool busy = cause.find("busy process") != std::string::npos;
      const bool seen = std::any_of(start_.causes.begin(), start_.causes.end(), [&](auto& c) {
        return c == cause || (busy && c.find("busy process") != std::string::npos);
      });
      if (!seen) mine.push_back(cause);
    }
    for (const std::string& line : throttling_since(start_.throttle, now.throttle)) {
      mine.push_back(line);
    }
  }
  return gather(runtime, mine);
}

std::vector<std::string> ContentionSurvey::gather(Runtime& runtime,
                                                  const std::vector<std::string>& mine) {
  std::string joined;
  for (const std::string& line : mine) {
    if (!joined.empty()) joined += '\n';
    joined += runtime.identity().host + ": " + line;
  }
  std::vector<std::string> out;
  for (const std::string& record : runtime.gather_from_nodes(joined, kRecordBytes)) {
    const std::string text = record.substr(0, record.find('\0'));
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      if (end > start) out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

}  // namespace collbench
