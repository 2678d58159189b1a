#pragma once
// Verdicts written as the phases finish, so a node that hangs later (exit 3) costs only its own
// results: after each step, the verdicts whose evidence is complete (their phase is settled) are
// handed out once; the rest, and the per-node "overall" records, come at the end.
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace collbench {

class VerdictStream {
 public:
  explicit VerdictStream(std::vector<std::string> node_names) : names_(std::move(node_names)) {}

  // A step's probe rows ("nodes" as indices) and the row phases ("node", "pair", ...) whose
  // evidence is now complete. Returns the verdict records not handed out before whose phase is
  // settled; never an "overall" record (a node's overall status needs every phase).
  std::vector<nlohmann::json> add_step(const std::vector<nlohmann::json>& rows,
                                       const std::vector<std::string>& settled_phases);

  // Every verdict not handed out yet, the "overall" ones last: call once, after the last step.
  std::vector<nlohmann::json> finish();

  std::size_t handed_out() const { return written_.size(); }

 private:
  std::vector<std::string> names_;
  std::vector<nlohmann::json> rows_;
  std::set<std::string> settled_;
  std::set<std::string> written_;  // dumped records already handed out
};

}  // namespace collbench
