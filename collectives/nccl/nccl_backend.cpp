#include "collectives/nccl/nccl_backend.hpp"

#include <nccl.h>

#include <algorithm>

#include "collectives/cuda/cuda_usable.hpp"
#include "collectives/cuda/device_memory.hpp"
#include "collectives/cuda/gpu_info.hpp"
#include "collectives/nccl/nccl_calls.hpp"
#include "collectives/nccl/nccl_launcher.hpp"
#include "collectives/nccl/nccl_types.hpp"
#include "kernels/cuda_check.hpp"
#include "runtime/runtime.hpp"
#if COLLBENCH_HAVE_MPI
#include "runtime/mpi_check.hpp"
#include "runtime/mpi_runtime.hpp"
#endif

namespace collbench {
namespace {

// The run's side of NCCL: which GPUs, the bootstrap, device memory and the record. What is done
// with the communicators (launching, timing, completion, the -T watchdog) is NcclLauncher's.
class NcclBackend final : public Backend {
 public:
  NcclBackend(Runtime& runtime, const BackendConfig& config);
  ~NcclBackend() override;

  std::string_view name() const override { return "nccl"; }
  Memory& memory() override { return *memory_; }
  int local_ranks() const override { return static_cast<int>(ranks_.size()); }
  std::optional<std::string> unsupported(Collective collective, DType dtype,
                                         RedOp op) const override;
  std::optional<std::string> inplace_unsupported(Collective collective) const override;
  void run(const OpArgs& args) override { launcher_->run(args); }
  void complete() override { launcher_->complete(); }
  std::unique_ptr<SampleTimer> make_timer() override { return launcher_->make_timer(); }
  bool captures_graphs() const override { return true; }
  std::unique_ptr<CapturedOps> capture(const OpArgs& args, int ops) override {
    return launcher_->capture(args, ops);
  }
  void describe(nlohmann::json& run_record) const override;

 private:
  void pick_devices(Runtime& runtime, int local_ranks);
  ncclUniqueId bootstrap_id(Runtime& runtime);

  Identity who_;
  int min_compute_major_ = 0;
  std::vector<NcclRank> ranks_;
  std::unique_ptr<NcclCalls> calls_;
  std::unique_ptr<NcclLauncher> launcher_;
  std::unique_ptr<Memory> memory_;
  std::vector<GpuRecord> gpus_;
};

NcclBackend::NcclBackend(Runtime& runtime, const BackendConfig& config)
    : who_(runtime.identity()), calls_(make_nccl_calls()) {
  set_cuda_error_context(who_.describe());
  const int local = config.threads * config.gpus_per_process;
  pick_devices(runtime, local);
  launcher_ = std::make_unique<NcclLauncher>(
      *calls_, who_.describe(), ranks_, runtime.size() * local, config.timeout_s, config.agg_iters);
  memory_ = make_device_memory(launcher_->device_slots());
  launcher_->init(bootstrap_id(runtime));
  std::vector<GpuRecord> mine;
  for (const NcclRank& r : ranks_) mine.push_back(describe_gpu(r.device, r.rank, who_.host));
  gpus_ = gather_gpu_records(runtime, std::move(mine));
}

// Buffers go before the communicators and streams they were used with.
NcclBackend::~NcclBackend() {
  memory_.reset();
  launcher_.reset();
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
    NcclRank r;
    r.device = (node_process * local_ranks + i) % visible;
    r.rank = runtime.rank() * local_ranks + i;
    int major = 0;
    CB_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, r.device));
    min_compute_major_ = std::min(min_compute_major_, major);
    ranks_.push_back(r);
  }
}

ncclUniqueId NcclBackend::bootstrap_id(Runtime& runtime) {
  ncclUniqueId id{};
  if (runtime.is_root()) {
    const ncclResult_t made = ncclGetUniqueId(&id);
    if (made != ncclSuccess) {
      throw RuntimeFailure(who_.describe() + ": ncclGetUniqueId: " + ncclGetErrorString(made));
    }
  }
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

std::optional<std::string> NcclBackend::unsupported(Collective, DType dtype, RedOp) const {
  const bool fp8 = dtype == DType::kFp8E4M3 || dtype == DType::kFp8E5M2;
  if (fp8 && !kNcclHasFp8) return "this NCCL (before 2.24) has no fp8 types";
  if (fp8 && min_compute_major_ < 9) {
    return "NCCL reduces fp8 only on compute capability 9.0 or newer (Hopper)";
  }
  return std::nullopt;
}

// NCCL documents in-place all-to-all as unsupported, and a send and a receive in one group on
// one buffer race (the receive may land before the send has read it): both give undefined data.
std::optional<std::string> NcclBackend::inplace_unsupported(Collective collective) const {
  if (collective == Collective::kAllToAll) {
    return "NCCL: in-place all_to_all is undefined (a rank receives into blocks it is still "
           "sending)";
  }
  if (collective == Collective::kSendRecv) {
    return "NCCL: in-place sendrecv is undefined (ncclSend and ncclRecv share one buffer)";
  }
  return std::nullopt;
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
  run_record["local_ranks_per_process"] = ranks_.size();
  run_record["gpus"] = gpu_records_json(gpus_);
}

}  // namespace

BackendEntry nccl_backend_entry() {
  return {"nccl", "NCCL collectives on device memory (-g GPUs per process, bootstrapped over MPI)",
          [](const BackendConfig&) -> std::optional<std::string> { return cuda_unusable_reason(); },
          [](Runtime& runtime, const BackendConfig& config) -> std::unique_ptr<Backend> {
            return std::make_unique<NcclBackend>(runtime, config);
          }};
}

}  // namespace collbench
