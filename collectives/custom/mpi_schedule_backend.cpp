// --backend custom, host memory: executes collbench's schedules with MPI point-to-point messages.
// Each step posts a receive into a scratch chunk for every transfer it receives and a send for
// every transfer it makes, waits for all, then applies what arrived (reduce or replace): sends read
// the state from before the step, as the schedule checker assumes. When every rank shares one
// node, the algorithms that have a shared-memory executor (shm_collectives.hpp) run there instead
// and `auto` picks them (docs/custom-collectives.md).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "collectives/backend.hpp"
#include "collectives/custom/all_to_all_blocks.hpp"
#include "collectives/custom/cuda_ipc_backend.hpp"
#include "collectives/custom/custom_backend.hpp"
#include "collectives/custom/custom_options.hpp"
#include "collectives/custom/mpi_plan_executor.hpp"
#include "collectives/custom/schedule.hpp"
#include "collectives/custom/shm_collectives.hpp"
#include "collectives/custom/shm_hierarchical.hpp"
#include "collectives/custom/shm_node.hpp"
#include "collectives/custom/step_plan.hpp"
#include "kernels/host_reduce.hpp"
#include "runtime/mpi_check.hpp"
#include "runtime/mpi_runtime.hpp"

namespace collbench {
namespace {

constexpr int kTagBase = 4000;

// A schedule and this rank's part of it.
struct Planned {
  Schedule schedule;
  std::vector<RankStep> plan;
};

class ScheduleBackend final : public Backend {
 public:
  ScheduleBackend(const MpiRuntime& runtime, const BackendConfig& config)
      : who_(runtime.identity()),
        memory_(make_host_memory()),
        algorithm_(config.options.text(kCustomAlgorithm)),
        executor_(runtime.identity()),
        blocks_(runtime.rank(), runtime.size()) {
    comm_ = runtime.duplicate_world();
    rank_ = runtime.rank();
    size_ = runtime.size();
    const auto virtual_node = static_cast<int>(config.options.integer(kCustomRanksPerNode));
    const int k = virtual_node > 0 ? virtual_node : size_;
    if (size_ % k != 0) {
      throw UsageError("--ranks-per-node " + std::to_string(k) + " does not divide the " +
                       std::to_string(size_) + " ranks");
    }
    shape_ = {size_, k};
    pipeline_bytes_ = static_cast<std::size_t>(config.options.integer(kCustomPipelineBytes));
    if (config.memory != MemoryKind::kHost) {
      throw UsageError("backend custom runs on host memory in this build (--memory host)");
    }
    // Ranks of a (virtual) node that share memory keep their buffers in shared windows. On one
    // node every collective with a shared-memory algorithm runs there; across virtual nodes the
    // hierarchical collectives (hierarchical_shm_table()) do their intra-node parts there. All
    // ranks must agree, or they would run different algorithms.
    const int node = rank_ / k;
    CB_MPI(MPI_Comm_split(comm_, node, rank_, &node_comm_), who_);
    CB_MPI(MPI_Comm_split(comm_, rank_ % k, node, &rail_comm_), who_);
    MPI_Comm shared = MPI_COMM_NULL;
    CB_MPI(MPI_Comm_split_type(node_comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &shared),
           who_);
    int shared_size = 0;
    CB_MPI(MPI_Comm_size(shared, &shared_size), who_);
    CB_MPI(MPI_Comm_free(&shared), who_);
    int everywhere = shared_size == k ? 1 : 0;
    CB_MPI(MPI_Allreduce(MPI_IN_PLACE, &everywhere, 1, MPI_INT, MPI_MIN, comm_), who_);
    if (everywhere) {
      shm_ = std::make_unique<ShmNode>(node_comm_, who_, config.timeout_s, runtime.local_size());
      memory_ = make_shm_memory(*shm_);
    }
  }
  ~ScheduleBackend() override {
    memory_.reset();
    shm_.reset();
    if (rail_comm_ != MPI_COMM_NULL) MPI_Comm_free(&rail_comm_);
    if (node_comm_ != MPI_COMM_NULL) MPI_Comm_free(&node_comm_);
    if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
  }

  std::string_view name() const override { return "custom"; }
  Memory& memory() override { return *memory_; }

  std::optional<std::string> unsupported(Collective c, DType, RedOp) const override {
    if (c == Collective::kReduce || c == Collective::kSendRecv) {
      return "backend custom has no " + std::string(collective_spec(c).name) +
             " (it runs all_reduce, all_gather, reduce_scatter, all_to_all and broadcast)";
    }
    if (!entry_for(c, algorithm_)) {
      return "backend custom has no algorithm '" + algorithm_ + "' for " +
             std::string(collective_spec(c).name);
    }
    return std::nullopt;
  }

  void run(const OpArgs& a) override {
    const std::string_view algorithm = algorithm_for(a);
    if (shm_ && shape_.nodes() == 1) {
      if (const ShmAlgorithm* shm = find_shm_algorithm(a.collective, algorithm)) {
        return shm->run(shm_context(), a);
      }
    }
    if (shm_ && algorithm == "hierarchical") {
      if (const HierarchicalShm* h = find_hierarchical_shm(a.collective)) return (this->*h->run)(a);
    }
    const Planned& planned = schedule_for(a.collective, algorithm, a.root);
    const std::size_t elt = dtype_info(a.dtype).size;
    const int64_t base = a.layout.param_count;
    if (a.collective == Collective::kAllToAll) {
      if (algorithm == "pairwise") return run_all_to_all(a, planned.schedule, elt, base);
      return run_relayed_all_to_all(a, planned, elt, base);
    }
    // The working buffer holds the whole vector the schedule's chunks divide.
    const int64_t total =
        a.collective == Collective::kAllReduce || a.collective == Collective::kBroadcast
            ? a.layout.recv_count
            : base * size_;
    char* work = static_cast<char*>(a.recv[0]);
    if (a.collective == Collective::kReduceScatter) {
      scratch_.resize(static_cast<std::size_t>(total) * elt);
      std::memcpy(scratch_.data(), a.send[0], scratch_.size());
      work = scratch_.data();
    } else if (a.collective == Collective::kAllGather) {
      if (!a.inplace) std::memcpy(work + rank_ * base * elt, a.send[0], base * elt);
    } else if (!a.inplace && (a.collective == Collective::kAllReduce || rank_ == a.root)) {
      std::memcpy(work, a.send[0], static_cast<std::size_t>(total) * elt);
    }
    executor_.run(comm_, planned.plan, vector_access(planned.schedule, work, total, elt, a));
    if (a.op == RedOp::kAvg && collective_spec(a.collective).uses_op) {
      host_finish_avg(a.dtype, work, total, size_);
    }
    if (a.collective == Collective::kReduceScatter) {
      char* out = a.inplace ? static_cast<char*>(const_cast<void*>(a.send[0])) + rank_ * base * elt
                            : static_cast<char*>(a.recv[0]);
      std::memcpy(out, work + rank_ * base * elt, base * elt);
    }
  }

  std::string algorithm(const OpArgs& a) const override { return std::string(algorithm_for(a)); }

  void complete() override {}
  void describe(nlohmann::json& record) const override {
    record["custom_algorithm"] = algorithm_;
    record["custom_transport"] = transport();
    record["ranks_per_node"] = shape_.ranks_per_node;
    record["custom_pipeline_bytes"] = pipeline_bytes_;
  }

 private:
  // How the collectives move data, for the run record (tests read it to know which path ran).
  std::string transport() const {
    if (!shm_) return "mpi point-to-point";
    if (shape_.nodes() == 1) return "shared memory";
    std::string names;
    for (const HierarchicalShm& h : hierarchical_shm_table()) {
      names += (names.empty() ? "" : ", ") + std::string(collective_spec(h.collective).name);
    }
    return "mpi point-to-point, shared memory inside nodes for hierarchical " + names;
  }

  // The hierarchical collectives whose intra-node phases run in the node's shared windows, and
  // what their rail phase (one rank per node, over rail_comm_) runs over MPI point-to-point.
  struct HierarchicalShm {
    Collective collective;
    const char* rail_algorithm;  // schedule_table()'s name, run among the rail's ranks
    void (ScheduleBackend::*run)(const OpArgs& a);
  };
  static std::span<const HierarchicalShm> hierarchical_shm_table() {
    static constexpr HierarchicalShm table[] = {
        {Collective::kAllReduce, "rhd", &ScheduleBackend::hierarchical_shm_all_reduce},
        {Collective::kAllGather, "ring", &ScheduleBackend::hierarchical_shm_all_gather},
        {Collective::kReduceScatter, "ring", &ScheduleBackend::hierarchical_shm_reduce_scatter},
        {Collective::kBroadcast, "binomial", &ScheduleBackend::hierarchical_shm_broadcast},
    };
    return table;
  }
  static const HierarchicalShm* find_hierarchical_shm(Collective c) {
    for (const HierarchicalShm& h : hierarchical_shm_table()) {
      if (h.collective == c) return &h;
    }
    return nullptr;
  }

  // The schedule table's entry for `algorithm` ("auto" matches any), or null.
  static const ScheduleEntry* entry_for(Collective c, std::string_view algorithm) {
    for (const ScheduleEntry& e : schedule_table()) {
      if (e.collective == c && (algorithm == "auto" || algorithm == e.algorithm)) return &e;
    }
    return nullptr;
  }

  // The algorithm that runs: the one named, else on one node the shared-memory one, else the
  // point-to-point choice for this size and shape.
  std::string_view algorithm_for(const OpArgs& a) const {
    if (algorithm_ != "auto") return algorithm_;
    if (shm_ && shape_.nodes() == 1) {
      if (const ShmAlgorithm* shm = find_shm_algorithm(a.collective, "auto")) return shm->algorithm;
    }
    const std::size_t elt = dtype_info(a.dtype).size;
    const auto bytes = static_cast<std::size_t>(std::max(a.layout.send_count, a.layout.recv_count));
    return auto_algorithm(a.collective, shape_, bytes * elt);
  }

  const Planned& schedule_for(Collective c, std::string_view algorithm, int root) {
    const auto key = std::make_tuple(static_cast<int>(c), std::string(algorithm), root);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const ScheduleEntry* e = entry_for(c, algorithm);
    if (!e) throw std::logic_error("no schedule '" + std::string(algorithm) + "'");
    return cache_.emplace(key, planned(*e, shape_, root, rank_)).first->second;
  }

  // `e`'s schedule on `shape` (from `root` where it has one) and rank `me`'s part of it.
  static Planned planned(const ScheduleEntry& e, const Shape& shape, int root, int me) {
    Schedule s = e.make_rooted ? e.make_rooted(shape, root) : e.make(shape);
    std::vector<RankStep> plan = plan_for_rank(s, me);
    return {std::move(s), std::move(plan)};
  }

  // Chunk c of a vector of `total` elements split in `nchunks`.
  static std::pair<int64_t, int64_t> chunk_range(int64_t total, int64_t nchunks, int64_t c) {
    return {total * c / nchunks, total * (c + 1) / nchunks};
  }

  // Chunks that live in this rank's memory at `where(t)`: sent from there, and added to or
  // replaced there on arrival.
  static ChunkAccess located_access(std::function<std::span<char>(const Transfer&)> where,
                                    const OpArgs& a) {
    const std::size_t elt = dtype_info(a.dtype).size;
    return {[where](const Transfer& t) -> std::span<const char> { return where(t); },
            [where](const Transfer& t) { return where(t).size(); },
            [where, elt, dtype = a.dtype, op = a.op](const Transfer& t, const char* data) {
              const std::span<char> chunk = where(t);
              if (t.reduce) {
                host_reduce(dtype, op, chunk.data(), data,
                            static_cast<int64_t>(chunk.size() / elt));
              } else if (!chunk.empty()) {
                std::memcpy(chunk.data(), data, chunk.size());
              }
            }};
  }

  // The chunks of a vector of `total` elements.
  static ChunkAccess vector_access(const Schedule& s, char* work, int64_t total, std::size_t elt,
                                   const OpArgs& a) {
    return located_access(
        [&s, work, total, elt](const Transfer& t) {
          const auto [lo, hi] = chunk_range(total, s.nchunks, t.chunk);
          return std::span<char>(work + lo * elt, static_cast<std::size_t>(hi - lo) * elt);
        },
        a);
  }

  ShmContext shm_context() { return {*shm_, scratch_, kDefaultPieceBytes, pipeline_bytes_}; }

  // Hierarchical all_reduce with shared memory inside each node: the node's ranks reduce-scatter
  // in shared memory (two-shot's first half), each rank all-reduces its chunk with the ranks of
  // its rail (the same local index on every node) by recursive halving-doubling over MPI
  // point-to-point, and the node's ranks copy the finished chunks from each other.
  void hierarchical_shm_all_reduce(const OpArgs& a) {
    const std::size_t elt = dtype_info(a.dtype).size;
    const Planned& rail = rail_schedule(a.collective, 0);
    two_shot_all_reduce_around(
        shm_context(), a,
        [&](char* chunk, int64_t count) {
          executor_.run(rail_comm_, rail.plan, vector_access(rail.schedule, chunk, count, elt, a));
        },
        size_);
  }

  // All_gather, reduce_scatter and broadcast across nodes, shared memory inside
  // (shm_hierarchical.hpp); the rail chunks are blocks of the user's buffers or of scratch.
  void hierarchical_shm_all_gather(const OpArgs& a) {
    const Planned& rail = rail_schedule(a.collective, 0);
    hierarchical_all_gather_around(shm_context(), a, node_place(), [&](const RailBlocks& b) {
      executor_.run(rail_comm_, rail.plan, blocks_access(b, a));
    });
  }
  void hierarchical_shm_reduce_scatter(const OpArgs& a) {
    const Planned& rail = rail_schedule(a.collective, 0);
    hierarchical_reduce_scatter_around(shm_context(), a, node_place(), [&](const RailBlocks& b) {
      executor_.run(rail_comm_, rail.plan, blocks_access(b, a));
    });
  }
  void hierarchical_shm_broadcast(const OpArgs& a) {
    const Planned& rail = rail_schedule(a.collective, a.root / shape_.ranks_per_node);
    hierarchical_broadcast_around(shm_context(), a, node_place(), [&](const RailBlocks& b) {
      executor_.run(rail_comm_, rail.plan, blocks_access(b, a));
    });
  }

  NodePlace node_place() const { return {rank_ / shape_.ranks_per_node, shape_.nodes()}; }

  // Rail chunk c is `b.bytes` at b.base + c * b.stride.
  static ChunkAccess blocks_access(const RailBlocks& b, const OpArgs& a) {
    return located_access(
        [b](const Transfer& t) {
          return std::span<char>(b.base + static_cast<std::size_t>(t.chunk) * b.stride, b.bytes);
        },
        a);
  }

  // The rail's schedule for collective `c` (rooted at node `root_node` where it has a root),
  // planned for this rank's position on its rail (its node index).
  const Planned& rail_schedule(Collective c, int root_node) {
    const auto key = std::make_pair(static_cast<int>(c), root_node);
    auto it = rails_.find(key);
    if (it != rails_.end()) return it->second;
    const ScheduleEntry* e = entry_for(c, find_hierarchical_shm(c)->rail_algorithm);
    if (!e) throw std::logic_error("no rail schedule for " + std::string(collective_spec(c).name));
    const Shape rail{shape_.nodes(), shape_.nodes()};
    return rails_.emplace(key, planned(*e, rail, root_node, rank_ / shape_.ranks_per_node))
        .first->second;
  }

  // What all_to_all sends from: in place, arriving blocks would overwrite blocks still to be
  // sent, so a copy of the input.
  const char* all_to_all_input(const OpArgs& a, std::size_t block) {
    if (!a.inplace) return static_cast<const char*>(a.send[0]);
    const char* recv = static_cast<const char*>(a.recv[0]);
    scratch_.assign(recv, recv + block * size_);
    return scratch_.data();
  }

  // Pairwise only: block (s, d) travels from s's send buffer straight to d's receive buffer.
  void run_all_to_all(const OpArgs& a, const Schedule& s, std::size_t elt, int64_t base) {
    const std::size_t block = static_cast<std::size_t>(base) * elt;
    const char* send = all_to_all_input(a, block);
    char* recv = static_cast<char*>(a.recv[0]);
    std::memcpy(recv + rank_ * block, send + rank_ * block, block);
    for (std::size_t step = 0; step < s.steps.size(); ++step) {
      std::vector<MPI_Request> requests;
      for (const Transfer& t : s.steps[step].transfers) {
        const int src = static_cast<int>(t.chunk / size_), dst = static_cast<int>(t.chunk % size_);
        if (t.dst == rank_) {
          requests.emplace_back();
          CB_MPI(MPI_Irecv(recv + src * block, static_cast<int>(block), MPI_BYTE, t.src,
                           kTagBase + 1000, comm_, &requests.back()),
                 who_);
        }
        if (t.src == rank_) {
          requests.emplace_back();
          CB_MPI(MPI_Isend(send + dst * block, static_cast<int>(block), MPI_BYTE, t.dst,
                           kTagBase + 1000, comm_, &requests.back()),
                 who_);
        }
      }
      CB_MPI(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
             who_);
    }
  }

  // Bruck and hierarchical: blocks travel through other ranks, which keep them until they pass
  // them on (AllToAllBlocks); one message per peer and step carries every block for that peer.
  void run_relayed_all_to_all(const OpArgs& a, const Planned& planned, std::size_t elt,
                              int64_t base) {
    const std::size_t block = static_cast<std::size_t>(base) * elt;
    blocks_.start(all_to_all_input(a, block), static_cast<char*>(a.recv[0]), block);
    executor_.run(comm_, planned.plan, blocks_.access());
  }

  const Identity& who_;
  std::unique_ptr<Memory> memory_;
  std::string algorithm_;
  MpiPlanExecutor executor_;
  AllToAllBlocks blocks_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Comm node_comm_ = MPI_COMM_NULL;  // this rank's (virtual) node
  MPI_Comm rail_comm_ = MPI_COMM_NULL;  // the ranks with this rank's local index, one per node
  std::unique_ptr<ShmNode> shm_;
  int rank_ = 0, size_ = 1;
  Shape shape_;
  std::map<std::tuple<int, std::string, int>, Planned> cache_;  // collective, algorithm, root
  std::vector<char> scratch_;
  std::map<std::pair<int, int>, Planned> rails_;  // collective, root node
  std::size_t pipeline_bytes_ = 0;
};

}  // namespace

BackendEntry custom_backend_entry() {
  return {"custom", "collbench's own schedules over MPI point-to-point (host memory)",
          [](const BackendConfig&) -> std::optional<std::string> { return std::nullopt; },
          [](Runtime& runtime, const BackendConfig& config) -> std::unique_ptr<Backend> {
            const MpiRuntime& mpi = require_mpi_runtime(runtime, "custom");
#if COLLBENCH_HAVE_CUDA
            if (config.memory == MemoryKind::kDevice) return make_cuda_ipc_backend(mpi, config);
#endif
            return std::make_unique<ScheduleBackend>(mpi, config);
          },
          kCustomOptions};
}

}  // namespace collbench
