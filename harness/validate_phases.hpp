#pragma once
// The phases of `collbench validate` on a running job. Each phase splits the job into groups
// (one per node, per pair of nodes, per rail of a pair, per half of a failing set) that run the
// normal measurement side by side; the root of each group judges its rows against the spec.
// Rows stay on the rank that produced them until the end, when the root gathers them once.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collectives/backend.hpp"
#include "harness/validate_options.hpp"
#include "results/record.hpp"
#include "runtime/runtime.hpp"

namespace collbench {

class ValidationRun {
 public:
  ValidationRun(Runtime& world, const ValidateOptions& options);

  // Runs every phase asked for. Collective over the job.
  void run();

  // On the root: every rank's rows (probe records, "nodes" as indices) and the node names.
  std::vector<nlohmann::json> gather_rows();
  // Called on the root after each step (the node phase, each pairing round, the fleet, each
  // bisection round) with that step's new rows, a progress line ("pairs 6/12 done ...") and the
  // row phases whose evidence the step completed ("node", "pair", ...), so finished results and
  // the verdicts they settle reach the output before a later step can hang.
  using StepListener =
      std::function<void(std::vector<nlohmann::json>& rows, const std::string& progress,
                         const std::vector<std::string>& settled_phases)>;
  void set_step_listener(StepListener listener) { listener_ = std::move(listener); }
  const std::vector<std::string>& node_names() const { return names_; }
  int nodes() const { return nodes_; }
  int ranks_per_node() const { return local_count_; }
  std::string pairing_description() const { return pairing_; }
  nlohmann::json node_topology() const { return node_topology_; }

 private:
  void name_nodes();
  void require_memory_for_probes();
  void node_phase();
  void pair_phase();
  void fleet_phase();
  void check_topology_here();
  void copy_baselines_here();
  // Measures the probes of `phase` on `group` and keeps the rows on its root; returns the worst
  // status there (PASS elsewhere).
  Status probe(Runtime& group, Phase phase, const std::vector<int>& group_nodes,
               const std::string& device, int round, const std::string& row_phase = "");
  std::optional<ResultRecord> measure_once(Runtime& group, Backend& backend, Collective id,
                                           int64_t bytes);
  std::vector<Probe> probes_for(Phase phase) const;
  std::unique_ptr<Runtime> regroup(Runtime& parent, int color, const std::string& what);
  const SpecCheck* check_for(Phase phase, const Probe& probe, int group_nodes) const;
  // Collective over the job: a named barrier (a stuck rank is named, not waited for), then one
  // gather of the rows every rank produced since the last step.
  void finish_step(const std::string& progress, const std::vector<std::string>& settled = {});

  Runtime& world_;
  const ValidateOptions& options_;
  int nodes_ = 1;
  int node_ = 0;         // this rank's node
  int local_ = 0;        // this rank's index in its node
  int local_count_ = 1;  // ranks per node
  std::vector<std::string> names_;
  std::string pairing_;
  nlohmann::json node_topology_;
  std::vector<nlohmann::json> rows_;
  std::size_t rows_sent_ = 0;             // rows_ already gathered to the root
  std::vector<nlohmann::json> gathered_;  // on the root: every step's rows
  StepListener listener_;
};

}  // namespace collbench
