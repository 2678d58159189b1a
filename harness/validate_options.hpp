#pragma once
// The validated settings of `collbench validate` (validate_command.cpp parses them).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collectives/collective.hpp"
#include "harness/run_options.hpp"
#include "validation/spec.hpp"

namespace collbench {

struct Probe {
  std::string test;  // a collective name
  int64_t bytes = 0;
};

struct ValidateOptions {
  std::optional<ValidationSpec> spec;
  std::string spec_path;
  int ranks_per_node = 0;  // 0: real nodes (ranks sharing memory)
  std::vector<Phase> phases = {Phase::kNode, Phase::kPair, Phase::kRail, Phase::kFleet};
  std::vector<Probe> default_probes;  // what phases without spec checks measure
  int round_robin_max_nodes = 32;
  int random_pair_rounds = 5;
  uint64_t seed = 1;
  int retries = 1;  // a probe that misses its threshold is measured again; the better one counts
  std::string topology_xml;
  // Backend, iterations, repeats, timeout and command line for every measurement; the
  // collective and size are set per probe.
  RunOptions run;
  bool has_phase(Phase phase) const {
    for (Phase p : phases) {
      if (p == phase) return true;
    }
    return false;
  }
};

}  // namespace collbench
