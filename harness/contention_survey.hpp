#pragma once
// Contention on the run's hosts (topology/host_contention.hpp), probed by each node's first rank
// and gathered on the root in one fixed-size record per node (O(nodes) at the root): before the
// run for the header and the run record, and again at its end for what appeared meanwhile.
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "topology/host_contention.hpp"

namespace collbench {

class ContentionSurvey {
 public:
  // Probes now; every rank calls it. The root's causes(): "HOST: cause" lines.
  explicit ContentionSurvey(Runtime& runtime);
  const std::vector<std::string>& causes() const { return causes_; }
  // Probes again (every rank calls it); the root gets the causes not seen at the start, and
  // throttling since then.
  std::vector<std::string> new_causes(Runtime& runtime);

 private:
  std::vector<std::string> gather(Runtime& runtime, const std::vector<std::string>& mine);
  std::vector<std::string> causes_;
  HostContention start_;  // this node's, on node leaders
};

}  // namespace collbench
