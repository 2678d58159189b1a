#include "collectives/nccl/nccl_backend.hpp"

#include <nccl.h>

#include <array>
#include <chrono>
#include <thread>

#include "collectives/cuda/device_memory.hpp"
#include "collectives/cuda/gpu_info.hpp"
#include "collectives/cuda/stream_timer.hpp"
#include "core/version.hpp"
#include "kernels/cuda_check.hpp"
#include "runtime/runtime.hpp"
#if COLLBENCH_HAVE_MPI
#include "runtime/mpi_check.hpp"
#include "runtime/mpi_runtime.hpp"
#endif

namespace collbench {
namespace {

using Clock = std::chrono::steady_clock;

// NCCL 2.24 added the fp8 types; older libraries (an older pip wheel) still build collbench.
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 24, 0)
constexpr bool kNcclHasFp8 = true;
constexpr ncclDataType_t kFp8E4M3 = ncclFloat8e4m3;
constexpr ncclDataType_t kFp8E5M2 = ncclFloat8e5m2;
#else
constexpr bool kNcclHasFp8 = false;
constexpr ncclDataType_t kFp8E4M3 = ncclNumTypes;  // refused by unsupported()
constexpr ncclDataType_t kFp8E5M2 = ncclNumTypes;
#endif

// Indexed by DType and RedOp: the one place that maps collbench's enumerations onto NCCL's.
constexpr std::array<ncclDataType_t, 12> kNcclTypes = {
    ncclInt8,    ncclUint8,   ncclInt32,   ncclUint32,   ncclInt64, ncclUint64,
    ncclFloat16, ncclFloat32, ncclFloat64, ncclBfloat16, kFp8E4M3,  kFp8E5M2};
constexpr std::array<ncclRedOp_t, 5> kNcclOps = {ncclSum, ncclProd, ncclMax, ncclMin, ncclAvg};

bool accepted(ncclResult_t r) {
  return r == ncclSuccess || r == ncclInProgress;
}

// One local rank: its GPU, stream and communicator.
struct Slot {
  int device = 0;
  int rank = 0;  // global
  cudaStream_t stream = nullptr;
  ncclComm_t comm = nullptr;
};

// One rank's share of an operation.
struct Call {
  const void* send;
  void* recv;
  size_t count;
  ncclDataType_t type;
  ncclRedOp_t op;
  int root;
  int nranks;
  std::size_t elt;
  const Slot& slot;
};

ncclResult_t all_reduce(const Call& c) {
  return ncclAllReduce(c.send, c.recv, c.count, c.type, c.op, c.slot.comm, c.slot.stream);
}
ncclResult_t all_gather(const Call& c) {
  return ncclAllGather(c.send, c.recv, c.count, c.type, c.slot.comm, c.slot.stream);
}
ncclResult_t reduce_scatter(const Call& c) {
  return ncclReduceScatter(c.send, c.recv, c.count, c.type, c.op, c.slot.comm, c.slot.stream);
}
// Point-to-point pairs in one group, as nccl-tests does, so it works with every NCCL version.
ncclResult_t all_to_all(const Call& c) {
  ncclResult_t r = ncclGroupStart();
  const std::size_t block = c.count * c.elt;
  for (int peer = 0; peer < c.nranks && accepted(r); ++peer) {
    r = ncclSend(static_cast<const char*>(c.send) + block * peer, c.count, c.type, peer,
                 c.slot.comm, c.slot.stream);
    if (accepted(r)) {
      r = ncclRecv(static_cast<char*>(c.recv) + block * peer, c.count, c.type, peer, c.slot.comm,
                   c.slot.stream);
    }
  }
  const ncclResult_t end = ncclGroupEnd();
  return accepted(r) ? end : r;
}
ncclResult_t broadcast(const Call& c) {
  return ncclBroadcast(c.send, c.recv, c.count, c.type, c.root, c.slot.comm, c.slot.stream);
}
ncclResult_t reduce(const Call& c) {
  return ncclReduce(c.send, c.recv, c.count, c.type, c.op, c.root, c.slot.comm, c.slot.stream);
}
ncclResult_t sendrecv(const Call& c) {
  const int next = (c.slot.rank + 1) % c.nranks;
  const int prev = (c.slot.rank - 1 + c.nranks) % c.nranks;
  ncclResult_t r = ncclGroupStart();
  if (accepted(r)) r = ncclSend(c.send, c.count, c.type, next, c.slot.comm, c.slot.stream);
  if (accepted(r)) r = ncclRecv(c.recv, c.count, c.type, prev, c.slot.comm, c.slot.stream);
  const ncclResult_t end = ncclGroupEnd();
  return accepted(r) ? end : r;
}

using RunFn = ncclResult_t (*)(const Call&);
constexpr CollectiveTable<RunFn> kDispatch = {{{Collective::kAllReduce, all_reduce},
                                               {Collective::kAllGather, all_gather},
                                               {Collective::kReduceScatter, reduce_scatter},
                                               {Collective::kAllToAll, all_to_all},
                                               {Collective::kBroadcast, broadcast},
                                               {Collective::kReduce, reduce},
                                               {Collective::kSendRecv, sendrecv}}};
static_assert(in_collective_order(kDispatch), "one row per collective, in enumeration order");

class NcclGraph final : public CapturedOps {
 public:
  NcclGraph(std::vector<cudaGraphExec_t> execs, std::vector<Slot> slots)
      : execs_(std::move(execs)), slots_(std::move(slots)) {}
  ~NcclGraph() override {
    for (cudaGraphExec_t exec : execs_) (void)cudaGraphExecDestroy(exec);
  }
  void launch() override {
    for (std::size_t i = 0; i < execs_.size(); ++i) {
      CB_CUDA(cudaSetDevice(slots_[i].device));
      CB_CUDA(cudaGraphLaunch(execs_[i], slots_[i].stream));
    }
  }

 private:
  std::vector<cudaGraphExec_t> execs_;
  std::vector<Slot> slots_;
};

class NcclBackend final : public Backend {
 public:
  NcclBackend(Runtime& runtime, const BackendConfig& config);
  ~NcclBackend() override;

  std::string_view name() const override { return "nccl"; }
  Memory& memory() override { return *memory_; }
  int local_ranks() const override { return static_cast<int>(slots_.size()); }
  std::optional<std::string> unsupported(Collective collective, DType dtype,
                                         RedOp op) const override;
  void run(const OpArgs& args) override;
  void complete() override;
  std::unique_ptr<SampleTimer> make_timer() override {
    return make_stream_timer(device_slots(), [this] { end_batch(); });
  }
  bool captures_graphs() const override { return true; }
  std::unique_ptr<CapturedOps> capture(const OpArgs& args, int ops) override;
  void describe(nlohmann::json& run_record) const override;

 private:
  std::vector<DeviceSlot> device_slots() const;
  void pick_devices(Runtime& runtime, int local_ranks);
  ncclUniqueId bootstrap_id(Runtime& runtime);
  void init_communicators(const ncclUniqueId& id);
  // Polls every communicator until none is in progress; aborts and throws on an error or when
  // the deadline passes.
  void wait_ready(const std::string& what);
  [[noreturn]] void fail(const std::string& what, const Slot& slot, ncclResult_t result,
                         const std::string& detail);
  void check(ncclResult_t result, const char* call, const Slot& slot);
  Clock::time_point deadline() const;
  // -m/--agg_iters: agg_iters consecutive run() calls form one NCCL group, as in nccl-tests.
  void end_batch();

  Identity who_;
  double timeout_s_;
  int nranks_ = 1;
  int min_compute_major_ = 0;
  int agg_iters_ = 1;
  int batched_ = 0;  // run() calls in the open group
  std::vector<Slot> slots_;
  std::unique_ptr<Memory> memory_;
  std::vector<GpuRecord> gpus_;
};

NcclBackend::NcclBackend(Runtime& runtime, const BackendConfig& config)
    : who_(runtime.identity()),
      timeout_s_(runtime.progress().timeout_seconds()),
      agg_iters_(config.agg_iters) {
  set_cuda_error_context(who_.describe());
  const int local = config.threads * config.gpus_per_process;
  nranks_ = runtime.size() * local;
  pick_devices(runtime, local);
  memory_ = make_device_memory(device_slots());
  const ncclUniqueId id = bootstrap_id(runtime);
  init_communicators(id);
  std::vector<GpuRecord> mine;
  for (const Slot& slot : slots_) mine.push_back(describe_gpu(slot.device, slot.rank, who_.host));
  gpus_ = gather_gpu_records(runtime, std::move(mine));
}

// Non-blocking communicators are finalised (flushing NCCL's outstanding work) and polled before
// they are destroyed; one that does not finish by the deadline is aborted instead. Destructors
// cannot report, so failures here only choose abort over destroy.
NcclBackend::~NcclBackend() {
  memory_.reset();
  const Clock::time_point until = deadline();
  for (Slot& slot : slots_) {
    (void)cudaSetDevice(slot.device);
    if (slot.comm) {
      ncclResult_t state = ncclCommFinalize(slot.comm);
      while (state == ncclInProgress && Clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (ncclCommGetAsyncError(slot.comm, &state) != ncclSuccess) state = ncclInternalError;
      }
      if (state == ncclSuccess) {
        (void)ncclCommDestroy(slot.comm);
      } else {
        (void)ncclCommAbort(slot.comm);
      }
    }
    if (slot.stream) (void)cudaStreamDestroy(slot.stream);
  }
}

std::vector<DeviceSlot> NcclBackend::device_slots() const {
  std::vector<DeviceSlot> out;
  for (const Slot& slot : slots_) out.push_back({slot.device, slot.stream});
  return out;
}

// Process p on a node drives devices p*L .. p*L+L-1 (L = -t x -g), wrapped at the visible count
// so a launcher that gives each process its own CUDA_VISIBLE_DEVICES works too.
void NcclBackend::pick_devices(Runtime& runtime, int local_ranks) {
  const int visible = visible_device_count();
  if (local_ranks > visible) {
    throw UsageError("-t x -g asks for " + std::to_string(local_ranks) + " GPUs per process but " +
                     who_.describe() + " sees " + std::to_string(visible));
  }
  int node_process = 0;
#if COLLBENCH_HAVE_MPI
  if (auto* mpi = dynamic_cast<MpiRuntime*>(&runtime)) {
    MPI_Comm world = mpi->duplicate_world();
    MPI_Comm node = MPI_COMM_NULL;
    CB_MPI(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, who_.rank, MPI_INFO_NULL, &node), who_);
    CB_MPI(MPI_Comm_rank(node, &node_process), who_);
    MPI_Comm_free(&node);
    MPI_Comm_free(&world);
  }
#endif
  min_compute_major_ = 1 << 30;
  for (int i = 0; i < local_ranks; ++i) {
    Slot slot;
    slot.device = (node_process * local_ranks + i) % visible;
    slot.rank = runtime.rank() * local_ranks + i;
    CB_CUDA(cudaSetDevice(slot.device));
    CB_CUDA(cudaStreamCreateWithFlags(&slot.stream, cudaStreamNonBlocking));
    int major = 0;
    CB_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, slot.device));
    min_compute_major_ = std::min(min_compute_major_, major);
    slots_.push_back(slot);
  }
}

ncclUniqueId NcclBackend::bootstrap_id(Runtime& runtime) {
  ncclUniqueId id{};
  if (runtime.is_root()) check(ncclGetUniqueId(&id), "ncclGetUniqueId", slots_.front());
#if COLLBENCH_HAVE_MPI
  if (auto* mpi = dynamic_cast<MpiRuntime*>(&runtime)) {
    MPI_Comm world = mpi->duplicate_world();
    CB_MPI(MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, world), who_);
    MPI_Comm_free(&world);
    return id;
  }
#endif
  if (runtime.size() != 1) {
    throw RuntimeFailure(who_.describe() + ": NCCL needs MPI to bootstrap several processes");
  }
  return id;
}

void NcclBackend::init_communicators(const ncclUniqueId& id) {
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;  // returns at once; wait_ready() polls with the run's deadline
  check(ncclGroupStart(), "ncclGroupStart", slots_.front());
  for (Slot& slot : slots_) {
    CB_CUDA(cudaSetDevice(slot.device));
    check(ncclCommInitRankConfig(&slot.comm, nranks_, id, slot.rank, &config),
          "ncclCommInitRankConfig", slot);
  }
  check(ncclGroupEnd(), "ncclGroupEnd", slots_.front());
  wait_ready("ncclCommInitRankConfig");
}

// A little under --timeout: the backend names NCCL's error and aborts the communicator before the
// harness's watchdog gives its generic report.
Clock::time_point NcclBackend::deadline() const {
  if (timeout_s_ <= 0) return Clock::time_point::max();
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(0.9 * timeout_s_));
}

void NcclBackend::wait_ready(const std::string& what) {
  const Clock::time_point until = deadline();
  for (;;) {
    bool pending = false;
    for (const Slot& slot : slots_) {
      ncclResult_t state = ncclSuccess;
      const ncclResult_t r = ncclCommGetAsyncError(slot.comm, &state);
      if (r != ncclSuccess) fail(what, slot, r, "ncclCommGetAsyncError failed");
      if (state == ncclInProgress) {
        pending = true;
      } else if (state != ncclSuccess) {
        fail(what, slot, state, "");
      }
    }
    if (!pending) return;
    if (Clock::now() > until) {
      fail(what, slots_.front(), ncclInProgress,
           "not finished after " + std::to_string(0.9 * timeout_s_) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void NcclBackend::fail(const std::string& what, const Slot& slot, ncclResult_t result,
                       const std::string& detail) {
  const char* last = slot.comm ? ncclGetLastError(slot.comm) : nullptr;
  char bus[32] = "?";
  (void)cudaDeviceGetPCIBusId(bus, sizeof bus, slot.device);
  std::string message = who_.describe() + " (nccl rank " + std::to_string(slot.rank) + ", device " +
                        std::to_string(slot.device) + " " + bus + "): " + what + ": " +
                        ncclGetErrorString(result);
  if (last && *last) message += std::string(": ") + last;
  if (!detail.empty()) message += " (" + detail + ")";
  // Abort every communicator so no peer waits on us and no NCCL thread outlives the report.
  for (Slot& s : slots_) {
    if (s.comm) (void)ncclCommAbort(s.comm);
    s.comm = nullptr;
  }
  throw RuntimeFailure(message);
}

void NcclBackend::check(ncclResult_t result, const char* call, const Slot& slot) {
  if (!accepted(result)) fail(call, slot, result, "");
}

std::optional<std::string> NcclBackend::unsupported(Collective, DType dtype, RedOp) const {
  const bool fp8 = dtype == DType::kFp8E4M3 || dtype == DType::kFp8E5M2;
  if (fp8 && !kNcclHasFp8) return "this NCCL (before 2.24) has no fp8 types";
  if (fp8 && min_compute_major_ < 9) {
    return "NCCL reduces fp8 only on compute capability 9.0 or newer (Hopper)";
  }
  return std::nullopt;
}

void NcclBackend::run(const OpArgs& args) {
  const CollectiveSpec& spec = collective_spec(args.collective);
  const std::size_t elt = dtype_info(args.dtype).size;
  const RunFn fn = kDispatch.at(collective_index(args.collective)).value;
  if (agg_iters_ > 1 && batched_ == 0) check(ncclGroupStart(), "ncclGroupStart", slots_.front());
  // One group for every local rank: a single thread drives all of them without deadlock.
  check(ncclGroupStart(), "ncclGroupStart", slots_.front());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Call call{args.send[i],
                    args.recv[i],
                    static_cast<size_t>(args.layout.param_count),
                    kNcclTypes.at(static_cast<std::size_t>(args.dtype)),
                    spec.uses_op ? kNcclOps.at(static_cast<std::size_t>(args.op)) : ncclSum,
                    args.root,
                    nranks_,
                    elt,
                    slots_[i]};
    check(fn(call), spec.name.data(), slots_[i]);
  }
  const ncclResult_t end = ncclGroupEnd();
  check(end, "ncclGroupEnd", slots_.front());
  if (agg_iters_ > 1) {
    if (++batched_ == agg_iters_) end_batch();
    return;
  }
  if (end == ncclInProgress) wait_ready(std::string(spec.name) + " (enqueue)");
}

void NcclBackend::end_batch() {
  if (batched_ == 0) return;
  batched_ = 0;
  const ncclResult_t end = ncclGroupEnd();
  check(end, "ncclGroupEnd", slots_.front());
  if (end == ncclInProgress) wait_ready("ncclGroupEnd (-m batch)");
}

// Polls instead of blocking in cudaStreamSynchronize, so a failed peer (asynchronous NCCL error)
// or a hang past the deadline ends the run with NCCL's error instead of waiting forever.
void NcclBackend::complete() {
  end_batch();
  const Clock::time_point until = deadline();
  for (const Slot& slot : slots_) {
    CB_CUDA(cudaSetDevice(slot.device));
    for (unsigned spin = 0;; ++spin) {
      const cudaError_t status = cudaStreamQuery(slot.stream);
      if (status == cudaSuccess) break;
      if (status != cudaErrorNotReady) CB_CUDA(status);
      ncclResult_t state = ncclSuccess;
      check(ncclCommGetAsyncError(slot.comm, &state), "ncclCommGetAsyncError", slot);
      if (state != ncclSuccess && state != ncclInProgress) fail("operation", slot, state, "");
      if (Clock::now() > until) {
        fail("operation", slot, ncclInProgress,
             "did not complete within " + std::to_string(0.9 * timeout_s_) + " s");
      }
      if (spin > 1000) std::this_thread::yield();
    }
  }
}

std::unique_ptr<CapturedOps> NcclBackend::capture(const OpArgs& args, int ops) {
  for (const Slot& slot : slots_) {
    CB_CUDA(cudaSetDevice(slot.device));
    CB_CUDA(cudaStreamBeginCapture(slot.stream, cudaStreamCaptureModeThreadLocal));
  }
  for (int i = 0; i < ops; ++i) run(args);
  end_batch();
  std::vector<cudaGraphExec_t> execs;
  for (const Slot& slot : slots_) {
    CB_CUDA(cudaSetDevice(slot.device));
    cudaGraph_t graph = nullptr;
    CB_CUDA(cudaStreamEndCapture(slot.stream, &graph));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
    (void)cudaGraphDestroy(graph);
    CB_CUDA(made);
    execs.push_back(exec);
  }
  return std::make_unique<NcclGraph>(std::move(execs), slots_);
}

void NcclBackend::describe(nlohmann::json& run_record) const {
  int version = 0;
  if (ncclGetVersion(&version) == ncclSuccess) {
    // NCCL >= 2.9 encodes major*10000 + minor*100 + patch.
    run_record["nccl_version"] = std::to_string(version / 10000) + "." +
                                 std::to_string(version % 10000 / 100) + "." +
                                 std::to_string(version % 100);
  }
  add_cuda_versions(run_record);
  run_record["memory"] = "device";
  run_record["local_ranks_per_process"] = slots_.size();
  run_record["gpus"] = gpu_records_json(gpus_);
}

}  // namespace

BackendEntry nccl_backend_entry() {
  return {"nccl", "NCCL collectives on device memory (-g GPUs per process, bootstrapped over MPI)",
          [](const BackendConfig&) -> std::optional<std::string> {
            std::string why;
            if (visible_device_count(&why) == 0) return "no CUDA device visible (" + why + ")";
            return std::nullopt;
          },
          [](Runtime& runtime, const BackendConfig& config) -> std::unique_ptr<Backend> {
            return std::make_unique<NcclBackend>(runtime, config);
          }};
}

}  // namespace collbench
