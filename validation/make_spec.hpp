#pragma once
// `collbench validate --make-spec`: a spec from the JSON Lines of known-good validate runs, the
// way SuperBench derives baselines: per phase, test and size, the median over every node, pair
// and run, less a margin. Small messages (<= 64 KiB) get latency checks, larger ones bandwidth.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "validation/spec.hpp"

namespace collbench {

struct MakeSpecOptions {
  double margin = 0.2;  // FAIL below median x (1 - margin), WARN below median x (1 - margin/2)
  int64_t latency_max_bytes = 64 << 10;
  std::string name;
};

// `probes`: "probe" records; `runs`: "run" records (their node topology becomes the expected one).
ValidationSpec make_spec(const std::vector<nlohmann::json>& probes,
                         const std::vector<nlohmann::json>& runs, const MakeSpecOptions& options,
                         const std::vector<std::string>& sources);

}  // namespace collbench
