#pragma once
// A node-type spec for `collbench validate`: what the node should look like and how fast each
// phase must be. JSON, documented in docs/validation.md; every problem is one UsageError naming
// the file and the field (exit 2).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/json_line_map.hpp"
#include "validation/pair_judgement.hpp"

namespace collbench {

inline constexpr int kSpecVersion = 1;

// Where a check applies: inside each node, between two nodes (all their ranks), between the
// same local rank of two nodes (one NIC rail), on the whole fleet, or a copy on each GPU.
enum class Phase { kNode, kPair, kRail, kFleet, kCopy };
const char* phase_name(Phase phase);
std::optional<Phase> parse_phase(const std::string& text);

struct SpecCheck {
  Phase phase = Phase::kNode;
  std::string test;  // a collective name (all_reduce, ...) or, for copy, d2d / h2d / d2h
  int64_t bytes = 0;
  // Bandwidth checks (busbw for collectives, GB/s for copies): FAIL below min, WARN below warn.
  std::optional<double> min_GBps, warn_GBps;
  // Latency checks: FAIL above max, WARN above warn.
  std::optional<double> max_us, warn_us;
  bool is_latency() const { return max_us.has_value(); }
};

struct TopologyExpectation {
  std::optional<int> gpus, nics;
  std::string gpu_model, nic_model;  // substrings of the discovered model ("" = any)
  std::optional<int> pcie_gen, pcie_width;
};

struct ValidationSpec {
  std::string name;
  std::string description;
  std::vector<std::string> sources;
  TopologyExpectation topology;
  std::vector<SpecCheck> checks;

  const SpecCheck* find(Phase phase, const std::string& test, int64_t bytes) const;
};

// Throws UsageError "spec FILE:LINE: field: reason"; without `lines` (the map of the text the
// document was parsed from) the line is left out.
ValidationSpec parse_spec(const nlohmann::json& document, const std::string& file,
                          const JsonLineMap* lines = nullptr);
ValidationSpec read_spec_file(const std::string& path);
// Keys in the documented order, so a written spec reads top-down.
nlohmann::ordered_json spec_to_json(const ValidationSpec& spec);

// A measurement judged against a check.
struct Judged {
  Status status = Status::kPass;
  double measured = 0;
  double expected = 0;  // the FAIL threshold (records keep it as "expected" for old readers)
  std::string unit;     // "GB/s" or "us"
  std::optional<double> warn_limit;  // WARN beyond this, when the check has one
  double fail_limit = 0;             // FAIL beyond this: the same as `expected`
  bool higher_is_better = true;      // bandwidth; latency checks fail above their limits
};

// The limits of a judged check as JSON fields: "warn_limit" (when there is one), "fail_limit".
nlohmann::json limits_json(const Judged& judged);
// "warn below 440 GB/s, fail below 400 GB/s" / "warn above 30 us, fail above 50 us".
std::string limits_text(const nlohmann::json& record);
Judged judge(const SpecCheck& check, double busbw_GBps, double time_us);

// PCIe link bandwidth hwloc reports for a generation and width (GB/s, after line encoding).
double pcie_link_GBps(int generation, int width);

}  // namespace collbench
