#include "harness/validate_phases.hpp"

#include <algorithm>
#include <map>
#include <sstream>

#include "collectives/backend.hpp"
#include "core/byte_units.hpp"
#include "core/errors.hpp"
#include "harness/measure.hpp"
#include "harness/sweep_memory.hpp"
#include "topology/discover.hpp"
#include "validation/bisection.hpp"
#include "validation/pairing.hpp"
#include "validation/topology_check.hpp"
#if COLLBENCH_HAVE_CUDA
#include "harness/copy_bench.hpp"
#endif

namespace collbench {
namespace {

// Messages up to this size are judged by latency when there is no spec to say otherwise.
constexpr int64_t kLatencyBytes = 64 << 10;

}  // namespace

ValidationRun::ValidationRun(Runtime& world, const ValidateOptions& options)
    : world_(world), options_(options) {
  name_nodes();
  if (options_.has_phase(Phase::kPair) && nodes_ >= 2) {
    const std::size_t rounds = pairing_schedule(nodes_, options_.round_robin_max_nodes,
                                                options_.random_pair_rounds, options_.seed)
                                   .size();
    pairing_ = nodes_ <= options_.round_robin_max_nodes
                   ? "round robin, " + std::to_string(rounds) + " rounds"
                   : "random, " + std::to_string(rounds) + " rounds, seed " +
                         std::to_string(options_.seed);
  }
}

void ValidationRun::finish_step(const std::string& progress,
                                const std::vector<std::string>& settled) {
  world_.barrier("validate: " + progress);
  std::string mine;
  for (std::size_t i = rows_sent_; i < rows_.size(); ++i) mine += rows_[i].dump() + "\n";
  rows_sent_ = rows_.size();
  const std::vector<std::string> all = world_.gather_strings(mine, "validate: " + progress);
  if (!world_.is_root()) return;
  std::vector<nlohmann::json> step;
  for (const std::string& text : all) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) step.push_back(nlohmann::json::parse(line));
    }
  }
  if (listener_) listener_(step, progress, settled);
  gathered_.insert(gathered_.end(), step.begin(), step.end());
}

void ValidationRun::name_nodes() {
  const int k = options_.ranks_per_node;
  if (k > 0) {
    if (world_.size() % k != 0) {
      throw UsageError("--ranks-per-node " + std::to_string(k) + " does not divide the " +
                       std::to_string(world_.size()) + " ranks of this run");
    }
    nodes_ = world_.size() / k;
    node_ = world_.rank() / k;
    local_ = world_.rank() % k;
    local_count_ = k;
  } else {
    nodes_ = world_.node_count();
    node_ = world_.node_index();
    local_ = world_.local_rank();
    local_count_ = world_.local_size();
  }
  const std::string host = world_.identity().host;
  const std::string name = k > 0 ? host + "/v" + std::to_string(node_) : host;
  const std::vector<std::string> all = world_.gather_strings(
      std::to_string(node_) + "\t" + (local_ == 0 ? name : ""), "start-up (naming the nodes)");
  // The root learns every node's name and every rank's node once, and tells everyone, so any
  // group's root can name the ranks of a timeout.
  std::string table;
  if (world_.is_root()) {
    nlohmann::json doc = {{"names", std::vector<std::string>(static_cast<std::size_t>(nodes_))},
                          {"rank_node", nlohmann::json::array()}};
    for (const std::string& entry : all) {
      const auto tab = entry.find('\t');
      const int node = std::stoi(entry.substr(0, tab));
      doc["rank_node"].push_back(node);
      if (tab + 1 < entry.size())
        doc["names"][static_cast<std::size_t>(node)] = entry.substr(tab + 1);
    }
    table = doc.dump();
  }
  world_.broadcast_string(table, "start-up (sharing node names)");
  const nlohmann::json doc = nlohmann::json::parse(table);
  names_ = doc["names"].get<std::vector<std::string>>();
  auto rank_node = std::make_shared<std::vector<int>>(doc["rank_node"].get<std::vector<int>>());
  world_.set_rank_namer([names = names_, rank_node](int rank) {
    const auto r = static_cast<std::size_t>(rank);
    return std::to_string(rank) +
           (r < rank_node->size() ? " (" + names[static_cast<std::size_t>((*rank_node)[r])] + ")"
                                  : "");
  });
}

std::vector<Probe> ValidationRun::probes_for(Phase phase) const {
  std::vector<Probe> probes;
  if (options_.spec) {
    for (const SpecCheck& check : options_.spec->checks) {
      if (check.phase == phase) probes.push_back({check.test, check.bytes});
    }
  }
  return probes.empty() ? options_.default_probes : probes;
}

const SpecCheck* ValidationRun::check_for(Phase phase, const Probe& probe, int group_nodes) const {
  if (!options_.spec) return nullptr;
  // A bisection group of one node runs inside that node: the node's thresholds apply.
  if (phase == Phase::kFleet && group_nodes == 1) {
    if (const SpecCheck* check = options_.spec->find(Phase::kNode, probe.test, probe.bytes)) {
      return check;
    }
  }
  return options_.spec->find(phase, probe.test, probe.bytes);
}

std::optional<ResultRecord> ValidationRun::measure_once(Runtime& group, Backend& backend,
                                                        Collective id, int64_t bytes) {
  RunOptions run = options_.run;
  run.collectives = {id};
  run.sweep.min_bytes = run.sweep.max_bytes = bytes;
  RecordCollector sink;
  std::vector<ResultSink*> sinks;
  if (group.is_root()) sinks.push_back(&sink);
  Measurement measurement(group, backend, run, sinks);
  measurement.run();
  if (sink.records.empty()) return std::nullopt;
  return sink.records.front();
}

Status ValidationRun::probe(Runtime& group, Phase phase, const std::vector<int>& group_nodes,
                            const std::string& device, int round, const std::string& row_phase) {
  const std::vector<Probe> probes = probes_for(phase);
  if (probes.empty()) return Status::kPass;
  group.progress().enter("validate: backend start-up");
  std::unique_ptr<Backend> backend =
      create_backend(options_.run.backend, group, options_.run.backend_config);
  const int nranks = group.size() * backend->local_ranks();
  Status worst = Status::kPass;
  for (const Probe& p : probes) {
    const Collective id = *parse_collective(p.test);
    const CollectiveSpec& spec = collective_spec(id);
    const DTypeInfo& info = dtype_info(options_.run.dtypes.front());
    // A size this group cannot split (all_to_all of 8 B over 4 ranks) is not measured here.
    if (spec.layout(p.bytes / static_cast<int64_t>(info.size), info.size, nranks).param_count ==
        0) {
      continue;
    }
    const SpecCheck* check = check_for(phase, p, static_cast<int>(group_nodes.size()));
    std::optional<ResultRecord> best;
    for (int attempt = 0; attempt <= options_.retries; ++attempt) {
      const std::optional<ResultRecord> r = measure_once(group, *backend, id, p.bytes);
      // Keep the better attempt: a threshold failure must repeat to count, as one slow sample
      // on a busy node is noise, while a bad link is slow every time. Wrong data counts at once.
      if (r && (!best || r->wrong > 0 || (best->wrong <= 0 && r->time_us < best->time_us))) {
        best = r;
      }
      SyncValues again;
      again.max[0] = best && best->wrong <= 0 && check &&
                             judge(*check, best->busbw_GBps, best->time_us).status == Status::kFail
                         ? 1.0
                         : 0.0;
      if (attempt == options_.retries ||
          group.sync(again, "validate: retry of " + p.test).max[0] == 0) {
        break;
      }
    }
    if (!best) continue;
    const ResultRecord& r = *best;
    nlohmann::json row = {{"type", "probe"},
                          {"phase", row_phase.empty() ? phase_name(phase) : row_phase},
                          {"nodes", group_nodes},
                          {"test", p.test},
                          {"bytes", p.bytes},
                          {"nranks", r.nranks},
                          {"backend", r.backend},
                          {"time_us", r.time_us},
                          {"time_us_min", r.time_us_min},
                          {"time_us_max", r.time_us_max},
                          {"algbw_GBps", r.algbw_GBps},
                          {"busbw_GBps", r.busbw_GBps},
                          {"samples_us", r.samples_us},
                          {"wrong", r.wrong}};
    if (r.stability.stable) row["stable"] = *r.stability.stable;
    if (round > 0) row["round"] = round;
    if (!device.empty()) row["device"] = device;
    Status status = Status::kPass;
    if (r.wrong > 0) {
      status = Status::kFail;
      row.update({{"measured", r.wrong}, {"expected", 0}, {"unit", "wrong elements"}});
    } else if (check) {
      const Judged judged = judge(*check, r.busbw_GBps, r.time_us);
      status = judged.status;
      row.update(
          {{"measured", judged.measured}, {"expected", judged.expected}, {"unit", judged.unit}});
      row.update(limits_json(judged));
      // Unstable samples cannot condemn a node: a miss on noise alone is inconclusive, a WARN
      // that says so (core/stability.hpp), never a FAIL.
      if (status == Status::kFail && !r.stability.stable.value_or(true)) {
        status = Status::kWarn;
        row["inconclusive"] = true;
        row["detail"] = "inconclusive: unstable samples";
      }
    } else if (p.bytes <= kLatencyBytes) {
      row.update({{"measured", r.time_us}, {"expected", nullptr}, {"unit", "us"}});
    } else {
      row.update({{"measured", r.busbw_GBps}, {"expected", nullptr}, {"unit", "GB/s"}});
    }
    row["status"] = status_name(status);
    worst = worse(worst, status);
    rows_.push_back(std::move(row));
  }
  return worst;
}

std::unique_ptr<Runtime> ValidationRun::regroup(Runtime& parent, int color,
                                                const std::string& what) {
  // MPI_Comm_split blocks until every rank arrives; the polled barrier before it names the ranks
  // still busy in the previous step (a stuck node) instead of hanging in the split.
  parent.barrier(what);
  return parent.split(color, parent.rank(), what);
}

// A probe of 2^53 bytes from a spec must be refused with the sizes (exit 2) before anything is
// allocated, as `run -e 1T` is, not end in std::bad_alloc mid-run. The largest size of each
// collective over every measuring phase, laid out for the whole job (the fleet's group, the
// largest), bounds what any group allocates.
void ValidationRun::require_memory_for_probes() {
  std::map<std::string, int64_t> largest;
  for (Phase phase : {Phase::kNode, Phase::kPair, Phase::kRail, Phase::kFleet}) {
    if (!options_.has_phase(phase)) continue;
    for (const Probe& p : probes_for(phase)) largest[p.test] = std::max(largest[p.test], p.bytes);
  }
  for (const auto& [test, bytes] : largest) {
    RunOptions run = options_.run;
    run.collectives = {*parse_collective(test)};
    run.sweep.min_bytes = run.sweep.max_bytes = bytes;
    require_host_memory_for_sweep(run, world_, 1, world_.size(),
                                  "the " + test + " probe of " + format_bytes(bytes),
                                  "lower the bytes of that check" +
                                      std::string(options_.spec ? " in the spec" : " (--bytes)"));
  }
}

void ValidationRun::run() {
  require_memory_for_probes();
  if (options_.has_phase(Phase::kNode)) node_phase();
  if (options_.has_phase(Phase::kPair) && nodes_ >= 2) pair_phase();
  if (options_.has_phase(Phase::kFleet)) fleet_phase();
}

void ValidationRun::check_topology_here() {
  std::vector<nlohmann::json> rows;
  try {
    const NodeTopology node = discover_node(
        options_.topology_xml.empty() ? std::nullopt : std::optional(options_.topology_xml));
    if (world_.is_root()) node_topology_ = topology_summary(node);
    if (options_.spec) rows = check_topology(node, options_.spec->topology);
    rows.push_back(fingerprint_row(node));
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    if (options_.spec) {
      rows.push_back({{"type", "probe"},
                      {"phase", "topology"},
                      {"test", "discovery"},
                      {"status", "WARN"},
                      {"measured", nullptr},
                      {"expected", nullptr},
                      {"detail", std::string("topology not checked: ") + e.what()}});
    }
  }
  for (nlohmann::json& row : rows) {
    row["nodes"] = {node_};
    rows_.push_back(std::move(row));
  }
}

void ValidationRun::copy_baselines_here() {
  if (!options_.spec) return;
  std::vector<const SpecCheck*> checks;
  for (const SpecCheck& check : options_.spec->checks) {
    if (check.phase == Phase::kCopy) checks.push_back(&check);
  }
  if (checks.empty()) return;
  auto note = [&](const std::string& why) {
    rows_.push_back({{"type", "probe"},
                     {"phase", "copy"},
                     {"nodes", {node_}},
                     {"test", "baselines"},
                     {"status", "WARN"},
                     {"measured", nullptr},
                     {"expected", nullptr},
                     {"detail", why}});
  };
#if COLLBENCH_HAVE_CUDA
  try {
    for (const SpecCheck* check : checks) {
      world_.progress().enter("validate: copy baseline " + check->test);
      const CopyOptions copy{
          {check->test}, check->bytes, options_.run.iters, options_.run.repeat, {}};
      for (const CopyRow& r : run_copy_baselines(copy)) {
        // One row per GPU: the copy engine for d2d, the GPU's own NUMA node for h2d/d2h.
        if (r.test == "d2d" ? r.engine != "copy engine"
                            : r.host_memory.find("near") == std::string::npos) {
          continue;
        }
        const Judged judged = judge(*check, r.GBps, r.time_us);
        const Status status = r.wrong > 0 ? Status::kFail : judged.status;
        rows_.push_back({{"type", "probe"},
                         {"phase", "copy"},
                         {"nodes", {node_}},
                         {"device", "GPU " + std::to_string(r.device)},
                         {"test", r.test},
                         {"bytes", r.bytes},
                         {"time_us", r.time_us},
                         {"wrong", r.wrong},
                         {"status", status_name(status)},
                         {"measured", judged.measured},
                         {"expected", judged.expected},
                         {"unit", judged.unit}});
        rows_.back().update(limits_json(judged));
      }
    }
  } catch (const std::exception& e) {
    note(std::string("copy baselines not measured: ") + e.what());
  }
#else
  note("copy baselines not measured: this collbench was built without CUDA");
#endif
}

void ValidationRun::node_phase() {
  std::unique_ptr<Runtime> group = regroup(world_, node_, "validate: grouping the ranks by node");
  if (local_ == 0) {
    check_topology_here();
    copy_baselines_here();
  }
  probe(*group, Phase::kNode, {node_}, "", 0);
  group.reset();
  finish_step(
      "node phase: " + std::to_string(nodes_) + " of " + std::to_string(nodes_) + " nodes measured",
      {"topology", "copy", "node"});
}

void ValidationRun::pair_phase() {
  const std::vector<PairRound> rounds = pairing_schedule(
      nodes_, options_.round_robin_max_nodes, options_.random_pair_rounds, options_.seed);
  std::size_t total_pairs = 0;
  for (const PairRound& round : rounds) total_pairs += round.size();
  std::size_t pairs_done = 0;
  const bool rails = options_.has_phase(Phase::kRail) && local_count_ > 1;
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    const std::string what =
        "validate: pairing round " + std::to_string(r + 1) + "/" + std::to_string(rounds.size());
    int color = Runtime::kNoGroup;
    std::vector<int> pair;
    for (std::size_t i = 0; i < rounds[r].size(); ++i) {
      const auto [a, b] = rounds[r][i];
      if (a == node_ || b == node_) {
        color = static_cast<int>(i);
        pair = {a, b};
      }
    }
    std::unique_ptr<Runtime> group = regroup(world_, color, what);
    if (group) {
      const int round = static_cast<int>(r) + 1;
      probe(*group, Phase::kPair, pair, "", round);
      if (rails) {
        // The same local rank of both nodes: one GPU and its NIC on each side, like a rail.
        std::unique_ptr<Runtime> rail = regroup(*group, local_, what + " (rails)");
        probe(*rail, Phase::kRail, pair, "rail " + std::to_string(local_), round);
      }
    }
    group.reset();
    pairs_done += rounds[r].size();
    finish_step("pairs " + std::to_string(pairs_done) + "/" + std::to_string(total_pairs) +
                    " done (round " + std::to_string(r + 1) + " of " +
                    std::to_string(rounds.size()) + (rails ? ", with rails)" : ")"),
                r + 1 == rounds.size() ? std::vector<std::string>{"pair", "rail"}
                                       : std::vector<std::string>{});
  }
}

void ValidationRun::fleet_phase() {
  std::vector<int> everyone(static_cast<std::size_t>(nodes_));
  for (int n = 0; n < nodes_; ++n) everyone[static_cast<std::size_t>(n)] = n;
  const Status fleet = probe(world_, Phase::kFleet, everyone, "", 0);
  SyncValues verdict;
  verdict.max[0] = world_.is_root() && fleet == Status::kFail ? 1.0 : 0.0;
  const bool fleet_failed = world_.sync(verdict, "validate: fleet verdict").max[0] > 0;
  finish_step(std::string("fleet measured: ") +
                  (fleet_failed ? (nodes_ >= 2 ? "short, bisecting" : "short") : "passes"),
              {"fleet"});
  if (!fleet_failed || nodes_ < 2) return;

  // Bisect: every half of every failing set is measured at once, on its own communicator.
  Bisection bisection(everyone);
  int round = 0;
  while (!bisection.done()) {
    const std::vector<std::vector<int>> groups = bisection.next_round();
    ++round;
    const std::string what = "validate: bisection round " + std::to_string(round);
    int color = Runtime::kNoGroup;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      if (std::binary_search(groups[g].begin(), groups[g].end(), node_)) {
        color = static_cast<int>(g);
      }
    }
    std::unique_ptr<Runtime> group = regroup(world_, color, what);
    Status status = Status::kPass;
    if (group) {
      status = probe(*group, Phase::kFleet, groups[static_cast<std::size_t>(color)], "", round,
                     "bisect-round");
    }
    // Each group's root says whether it failed; SyncValues carries three flags per sync.
    std::vector<bool> failed(groups.size(), false);
    for (std::size_t base = 0; base < groups.size(); base += SyncValues::kSlots) {
      SyncValues flags;
      for (int slot = 0; slot < SyncValues::kSlots; ++slot) {
        const bool mine = color == static_cast<int>(base) + slot && group->is_root();
        flags.max[slot] = mine && status == Status::kFail ? 1.0 : 0.0;
      }
      const SyncValues all = world_.sync(flags, what + " verdicts");
      for (int slot = 0; slot < SyncValues::kSlots && base + slot < groups.size(); ++slot) {
        failed[base + static_cast<std::size_t>(slot)] = all.max[slot] > 0;
      }
    }
    bisection.report(failed);
    finish_step("bisection round " + std::to_string(round) + ": " + std::to_string(groups.size()) +
                " groups measured");
  }
  if (!world_.is_root()) return;
  for (int culprit : bisection.culprits()) {
    rows_.push_back({{"type", "probe"},
                     {"phase", "bisect"},
                     {"nodes", {culprit}},
                     {"test", "fleet bisection"},
                     {"status", "FAIL"},
                     {"measured", nullptr},
                     {"expected", nullptr},
                     {"detail", "failed in every bisection group that held it (" +
                                    std::to_string(bisection.rounds()) + " rounds)"}});
  }
  for (const std::vector<int>& set : bisection.unresolved()) {
    rows_.push_back({{"type", "probe"},
                     {"phase", "bisect"},
                     {"nodes", set},
                     {"test", "fleet bisection"},
                     {"status", "WARN"},
                     {"measured", nullptr},
                     {"expected", nullptr}});
  }
}

std::vector<nlohmann::json> ValidationRun::gather_rows() {
  finish_step("phases done");  // the bisection's conclusions, made on the root
  return gathered_;
}

}  // namespace collbench
