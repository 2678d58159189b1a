// --backend custom, host memory: executes collbench's schedules with MPI point-to-point messages.
// Each step posts a receive into a scratch chunk for every transfer it receives and a send for
// every transfer it makes, waits for all, then applies what arrived (reduce or replace): sends read
// the state from before the step, as the schedule checker assumes. When every rank shares one
// node, the algorithms that have a shared-memory executor (shm_collectives.hpp) run there instead
// and `auto` picks them (docs/custom-collectives.md).
#include <cstdlib>
#include <cstring>
#include <map>

#include "collectives/backend.hpp"
#include "collectives/custom/cuda_ipc_backend.hpp"
#include "collectives/custom/schedule.hpp"
#include "collectives/custom/shm_collectives.hpp"
#include "collectives/custom/shm_node.hpp"
#include "harness/mpi_check.hpp"
#include "harness/mpi_runtime.hpp"
#include "kernels/host_reduce.hpp"

namespace collbench {
namespace {

constexpr int kTagBase = 4000;

class ScheduleBackend final : public Backend {
 public:
  ScheduleBackend(const MpiRuntime& runtime, const BackendConfig& config)
      : who_(runtime.identity()), memory_(make_host_memory()), config_(config) {
    comm_ = runtime.duplicate_world();
    rank_ = runtime.rank();
    size_ = runtime.size();
    const int k = config.ranks_per_node > 0 ? config.ranks_per_node : size_;
    if (size_ % k != 0) {
      throw UsageError("--ranks-per-node " + std::to_string(k) + " does not divide the " +
                       std::to_string(size_) + " ranks");
    }
    shape_ = {size_, k};
    pipeline_bytes_ = pipeline_bytes_from_environment();
    if (config.memory != MemoryKind::kHost) {
      throw UsageError("backend custom runs on host memory in this build (--memory host)");
    }
    // Ranks of a (virtual) node that share memory keep their buffers in shared windows. On one
    // node every collective with a shared-memory algorithm runs there; across virtual nodes the
    // hierarchical all_reduce does its intra-node parts there. All ranks must agree, or they
    // would run different algorithms.
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
      MPI_Comm host = MPI_COMM_NULL;
      CB_MPI(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &host), who_);
      int ranks_on_host = 0;
      CB_MPI(MPI_Comm_size(host, &ranks_on_host), who_);
      CB_MPI(MPI_Comm_free(&host), who_);
      shm_ = std::make_unique<ShmNode>(node_comm_, who_, 300.0, ranks_on_host);
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
    if (!entry_for(c)) {
      return "backend custom has no algorithm '" + config_.algorithm + "' for " +
             std::string(collective_spec(c).name);
    }
    return std::nullopt;
  }

  void run(const OpArgs& a) override {
    const std::string_view algorithm = algorithm_for(a.collective);
    if (shm_ && shape_.nodes() == 1) {
      if (const ShmAlgorithm* shm = find_shm_algorithm(a.collective, algorithm)) {
        return shm->run(shm_context(), a);
      }
    }
    if (shm_ && a.collective == Collective::kAllReduce && algorithm == "hierarchical") {
      return hierarchical_shm_all_reduce(a);
    }
    const Schedule& s = schedule_for(a.collective, a.root);
    const std::size_t elt = dtype_info(a.dtype).size;
    const int64_t base = a.layout.param_count;
    switch (a.collective) {
      case Collective::kAllToAll:
        return run_all_to_all(a, s, elt, base);
      default:
        break;
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
    execute(s, work, total, elt, a);
    if (a.op == RedOp::kAvg && collective_spec(a.collective).uses_op) {
      host_finish_avg(a.dtype, work, total, size_);
    }
    if (a.collective == Collective::kReduceScatter) {
      char* out = a.inplace ? static_cast<char*>(const_cast<void*>(a.send[0])) + rank_ * base * elt
                            : static_cast<char*>(a.recv[0]);
      std::memcpy(out, work + rank_ * base * elt, base * elt);
    }
  }

  void complete() override {}
  void describe(nlohmann::json& record) const override {
    record["custom_algorithm"] = config_.algorithm;
    record["custom_transport"] = transport();
    record["ranks_per_node"] = shape_.ranks_per_node;
    record["custom_pipeline_bytes"] = pipeline_bytes_;
  }

 private:
  // How the collectives move data, for the run record (tests read it to know which path ran).
  std::string transport() const {
    if (!shm_) return "mpi point-to-point";
    if (shape_.nodes() == 1) return "shared memory";
    return "mpi point-to-point, shared memory inside nodes for hierarchical all_reduce";
  }

  // COLLBENCH_CUSTOM_PIPELINE_BYTES: two-shot's piece size in shared memory (0: no pipelining).
  static std::size_t pipeline_bytes_from_environment() {
    const char* text = std::getenv("COLLBENCH_CUSTOM_PIPELINE_BYTES");
    if (!text) return kDefaultPipelineBytes;
    const std::string value(text);
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos ||
        value.size() > 15) {
      throw UsageError("COLLBENCH_CUSTOM_PIPELINE_BYTES must be a byte count, not '" + value + "'");
    }
    return static_cast<std::size_t>(std::stoull(value));
  }

  const ScheduleEntry* entry_for(Collective c) const {
    for (const ScheduleEntry& e : schedule_table()) {
      if (e.collective != c) continue;
      // all_to_all blocks go straight from source to destination here; Bruck and hierarchical
      // relay blocks through other ranks and wait for the relay-capable executor.
      if (c == Collective::kAllToAll && std::string_view(e.algorithm) != "pairwise") continue;
      if (config_.algorithm == "auto" || config_.algorithm == e.algorithm) return &e;
    }
    return nullptr;
  }

  // The algorithm `auto` stands for: the shared-memory one on one node, else the table's first.
  std::string_view algorithm_for(Collective c) const {
    if (config_.algorithm != "auto") return config_.algorithm;
    if (shm_ && shape_.nodes() == 1) {
      if (const ShmAlgorithm* shm = find_shm_algorithm(c, "auto")) return shm->algorithm;
    }
    const ScheduleEntry* e = entry_for(c);
    return e ? std::string_view(e->algorithm) : std::string_view("auto");
  }

  const Schedule& schedule_for(Collective c, int root) {
    const auto key = std::make_pair(static_cast<int>(c), root);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const ScheduleEntry* e = entry_for(c);
    Schedule s = e->make_rooted ? e->make_rooted(shape_, root) : e->make(shape_);
    return cache_.emplace(key, std::move(s)).first->second;
  }

  // Chunk c of a vector of `total` elements split in `nchunks`.
  static std::pair<int64_t, int64_t> chunk_range(int64_t total, int64_t nchunks, int64_t c) {
    return {total * c / nchunks, total * (c + 1) / nchunks};
  }

  void execute(const Schedule& s, char* work, int64_t total, std::size_t elt, const OpArgs& a) {
    execute_on(comm_, rank_, s, work, total, elt, a);
  }

  // Runs `s` among the ranks of `comm`, this rank being `me` there.
  void execute_on(MPI_Comm comm, int me, const Schedule& s, char* work, int64_t total,
                  std::size_t elt, const OpArgs& a) {
    for (std::size_t step = 0; step < s.steps.size(); ++step) {
      std::vector<MPI_Request> requests;
      std::vector<std::pair<const Transfer*, std::vector<char>>> incoming;
      for (const Transfer& t : s.steps[step].transfers) {
        if (t.dst == me) incoming.push_back({&t, {}});
      }
      for (auto& [t, buffer] : incoming) {
        const auto [lo, hi] = chunk_range(total, s.nchunks, t->chunk);
        buffer.resize(static_cast<std::size_t>(hi - lo) * elt);
        requests.emplace_back();
        CB_MPI(MPI_Irecv(buffer.data(), static_cast<int>(buffer.size()), MPI_BYTE, t->src,
                         kTagBase + static_cast<int>(t->chunk % 1000), comm, &requests.back()),
               who_);
      }
      for (const Transfer& t : s.steps[step].transfers) {
        if (t.src != me) continue;
        const auto [lo, hi] = chunk_range(total, s.nchunks, t.chunk);
        requests.emplace_back();
        CB_MPI(MPI_Isend(work + lo * elt, static_cast<int>((hi - lo) * elt), MPI_BYTE, t.dst,
                         kTagBase + static_cast<int>(t.chunk % 1000), comm, &requests.back()),
               who_);
      }
      CB_MPI(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
             who_);
      for (auto& [t, buffer] : incoming) {
        const auto [lo, hi] = chunk_range(total, s.nchunks, t->chunk);
        if (t->reduce) {
          host_reduce(a.dtype, a.op, work + lo * elt, buffer.data(), hi - lo);
        } else {
          std::memcpy(work + lo * elt, buffer.data(), buffer.size());
        }
      }
    }
  }

  ShmContext shm_context() { return {*shm_, scratch_, kDefaultPieceBytes, pipeline_bytes_}; }

  // Hierarchical all_reduce with shared memory inside each node: the node's ranks reduce-scatter
  // in shared memory (two-shot's first half), each rank all-reduces its chunk with the ranks of
  // its rail (the same local index on every node) by recursive halving-doubling over MPI
  // point-to-point, and the node's ranks copy the finished chunks from each other.
  void hierarchical_shm_all_reduce(const OpArgs& a) {
    const std::size_t elt = dtype_info(a.dtype).size;
    const Schedule& rail = rail_schedule();
    two_shot_all_reduce_around(
        shm_context(), a,
        [&](char* chunk, int64_t count) {
          execute_on(rail_comm_, rank_ / shape_.ranks_per_node, rail, chunk, count, elt, a);
        },
        size_);
  }

  const Schedule& rail_schedule() {
    if (!rail_) rail_ = rhd_all_reduce({shape_.nodes(), shape_.nodes()});
    return *rail_;
  }

  // Pairwise only: block (s, d) travels from s's send buffer straight to d's receive buffer.
  void run_all_to_all(const OpArgs& a, const Schedule& s, std::size_t elt, int64_t base) {
    const std::size_t block = static_cast<std::size_t>(base) * elt;
    const char* send = static_cast<const char*>(a.send[0]);
    char* recv = static_cast<char*>(a.recv[0]);
    if (a.inplace) {  // the input is about to be overwritten: send from a copy
      scratch_.assign(recv, recv + block * size_);
      send = scratch_.data();
    }
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

  const Identity& who_;
  std::unique_ptr<Memory> memory_;
  BackendConfig config_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Comm node_comm_ = MPI_COMM_NULL;  // this rank's (virtual) node
  MPI_Comm rail_comm_ = MPI_COMM_NULL;  // the ranks with this rank's local index, one per node
  std::unique_ptr<ShmNode> shm_;
  int rank_ = 0, size_ = 1;
  Shape shape_;
  std::map<std::pair<int, int>, Schedule> cache_;
  std::vector<char> scratch_;
  std::optional<Schedule> rail_;
  std::size_t pipeline_bytes_ = 0;
};

}  // namespace

BackendEntry custom_backend_entry() {
  return {"custom", "collbench's own schedules over MPI point-to-point (host memory)",
          [](const BackendConfig&) -> std::optional<std::string> { return std::nullopt; },
          [](Runtime& runtime, const BackendConfig& config) -> std::unique_ptr<Backend> {
#if COLLBENCH_HAVE_CUDA
            if (config.memory == MemoryKind::kDevice) {
              return make_cuda_ipc_backend(dynamic_cast<MpiRuntime&>(runtime), config);
            }
#endif
            return std::make_unique<ScheduleBackend>(dynamic_cast<MpiRuntime&>(runtime), config);
          }};
}

}  // namespace collbench
