#pragma once
// From the evidence of every phase ("probe" rows, gathered on the root) to verdicts: one record
// per node (its worst status), one per failing or warning check, per judged device (NIC rail) and
// per failed pair. Direct evidence (a node's own topology and collectives) counts as it is; pair
// and rail results are judged across partners (pair_judgement.hpp); the fleet bisection names
// culprits.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "validation/pair_judgement.hpp"

namespace collbench {

struct ValidationVerdicts {
  std::vector<nlohmann::json> records;  // "verdict" records, the per-node ones ("overall") last
  std::vector<Status> node_status;      // by node index
  Status fleet_status = Status::kPass;  // the whole-fleet collectives
  Status overall = Status::kPass;
};

// `rows`: probe rows whose "nodes" hold node indices into `names`.
ValidationVerdicts build_verdicts(const std::vector<nlohmann::json>& rows,
                                  const std::vector<std::string>& names);

// "node all_reduce 64 KiB", "topology gpu count": what a row checked, for tables and records.
std::string describe_check(const nlohmann::json& row);

}  // namespace collbench
