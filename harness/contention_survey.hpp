#pragma once
// Contention on the run's hosts (topology/host_contention.hpp) and, for runs in device memory,
// on their GPUs (topology/gpu_contention.hpp), probed by each node's first rank and gathered on
// the root in one fixed-size record per node (O(nodes) at the root): before the run for the
// header and the run record, and again at its end for what appeared meanwhile.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "topology/gpu_query.hpp"
#include "topology/host_contention.hpp"

namespace collbench {

struct GpuSurveyPlan {
  bool uses_gpus = false;    // the run's buffers are in device memory
  int gpus_per_process = 1;  // devices each process drives (-g)
  std::function<std::unique_ptr<GpuQuery>()> open = [] { return open_nvml(); };
};

class ContentionSurvey {
 public:
  // Probes now; every rank calls it. The root's causes(): "HOST: cause" lines.
  explicit ContentionSurvey(Runtime& runtime, GpuSurveyPlan gpus = {});
  const std::vector<std::string>& causes() const { return causes_; }
  // On the root, for runs in device memory: "HOST: why" for each node whose GPUs could not be
  // checked (no driver library, NVML failed), so a run without GPU warnings says whether that
  // means quiet GPUs or unchecked ones.
  const std::vector<std::string>& gpu_unchecked() const { return gpu_unchecked_; }
  // Probes again (every rank calls it); the root gets the causes not seen at the start, and
  // throttling since then.
  std::vector<std::string> new_causes(Runtime& runtime);

 private:
  std::vector<std::string> gather(Runtime& runtime, const std::vector<std::string>& mine);
  void learn_node_gpus(Runtime& runtime, const GpuSurveyPlan& plan);
  // On node leaders: the GPU causes now; `ranks_on_devices` once the backends have started.
  std::vector<std::string> gpu_causes(bool ranks_on_devices);
  std::vector<std::string> causes_;
  std::vector<std::string> gpu_unchecked_;
  HostContention start_;  // this node's, on node leaders
  // On node leaders of runs in device memory: the driver, the node's ranks' devices and pids.
  std::unique_ptr<GpuQuery> gpus_;
  std::vector<std::string> gpu_devices_;
  std::set<pid_t> node_pids_;
  std::map<std::string, int> ranks_per_device_;
  std::string gpu_unchecked_here_;
};

}  // namespace collbench
