// --backend custom on device memory. Each rank owns a staging buffer, a reduced buffer and a flag
// array in its GPU's memory, exports them with cudaIpcGetMemHandle, and maps every peer's with
// cudaIpcOpenMemHandle; one kernel per operation then reads the peers' buffers directly and
// synchronises through the flags (kernels/device_peer_collectives.hpp). The harness's own buffers
// stay private: inputs are staged into the shared buffer inside the same kernel.
//
// The shared buffers grow when the harness allocates its buffers (peer_capacity.hpp), never in an
// operation; a kernel that waits longer than -T for a peer stops and names it (complete()); ranks
// sharing a GPU are refused unless COLLBENCH_ALLOW_SHARED_GPU=1 (shared_gpu.hpp).
#include "collectives/custom/cuda_ipc_backend.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "collectives/custom/custom_options.hpp"
#include "collectives/custom/peer_capacity.hpp"
#include "collectives/custom/shared_gpu.hpp"

#include "collectives/cuda/device_memory.hpp"
#include "collectives/cuda/stream_timer.hpp"
#include "core/errors.hpp"
#include "kernels/cuda_check.hpp"
#include "kernels/device_peer_collectives.hpp"
#include "kernels/device_reduce.hpp"
#include "runtime/mpi_check.hpp"
#include "runtime/mpi_runtime.hpp"

namespace collbench {
namespace {

// Below this size every rank reading every input (one-shot) beats the extra hand-over of
// two-shot; NCCL's and TensorRT-LLM's custom all-reduce switch in the same range.
constexpr int64_t kOneShotMaxBytes = 256 << 10;

class CudaIpcBackend final : public Backend {
 public:
  CudaIpcBackend(const MpiRuntime& runtime, const BackendConfig& config)
      : who_(runtime.identity()),
        algorithm_(config.options.text(kCustomAlgorithm)),
        timeout_s_(config.timeout_s) {
    comm_ = runtime.duplicate_world();
    CB_MPI(MPI_Comm_rank(comm_, &rank_), who_);
    CB_MPI(MPI_Comm_size(comm_, &size_), who_);
    MPI_Comm node = MPI_COMM_NULL;
    CB_MPI(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), who_);
    int node_size = 0;
    int local = 0;
    CB_MPI(MPI_Comm_size(node, &node_size), who_);
    CB_MPI(MPI_Comm_rank(node, &local), who_);
    MPI_Comm_free(&node);
    if (node_size != size_) {
      throw UsageError(
          "backend custom on device memory needs every rank on one node (CUDA IPC); "
          "this run spans several nodes");
    }
    if (size_ > kMaxPeerRanks) {
      throw UsageError("backend custom on device memory runs up to " +
                       std::to_string(kMaxPeerRanks) + " ranks, not " + std::to_string(size_));
    }
    std::string why;
    const int devices = visible_device_count(&why);
    if (devices == 0) throw UsageError("no CUDA device visible (" + why + ")");
    set_cuda_error_context(who_.describe());
    // Ranks beyond the device count share GPUs: refused below unless the user allows it.
    slot_.device = local % devices;
    CB_CUDA(cudaSetDevice(slot_.device));
    const std::vector<std::string> gpus = gather_ranks();
    if (auto refusal = shared_gpu_refusal(gpus, names_, std::getenv(kAllowSharedGpuEnv))) {
      throw UsageError(*refusal);
    }
    CB_CUDA(cudaStreamCreateWithFlags(&slot_.stream, cudaStreamNonBlocking));
    memory_ = make_reserving_memory(make_device_memory({slot_}), capacity_);
    CB_CUDA(cudaMalloc(&flags_, peer_flag_bytes()));
    CB_CUDA(cudaMemset(flags_, 0, peer_flag_bytes()));
    CB_CUDA(cudaHostAlloc(reinterpret_cast<void**>(&status_), sizeof(PeerWaitStatus),
                          cudaHostAllocMapped));
    std::memset(status_, 0, sizeof(PeerWaitStatus));
    CB_CUDA(cudaHostGetDevicePointer(reinterpret_cast<void**>(&peers_.status), status_, 0));
    CB_CUDA(cudaDeviceSynchronize());
    peers_.rank = rank_;
    peers_.nranks = size_;
    peers_.timeout_ns = timeout_s_ > 0 ? static_cast<uint64_t>(std::min(timeout_s_, 1e9) * 1e9) : 0;
    // Block b pairs with block b of every peer: every rank launches the smallest grid any wants.
    int blocks = peer_launch_blocks(ranks_on_same_gpu(gpus, rank_));
    CB_MPI(MPI_Allreduce(MPI_IN_PLACE, &blocks, 1, MPI_INT, MPI_MIN, comm_), who_);
    peers_.blocks = blocks;
    exchange(flags_, reinterpret_cast<void**>(peers_.flags), &opened_flags_);
  }

  ~CudaIpcBackend() override {
    // Quiet teardown: a failure here must not hide the error that ended the run.
    cudaStreamSynchronize(slot_.stream);
    MPI_Barrier(comm_);  // no peer still reads our buffers
    release_buffers();
    for (void* p : opened_flags_) cudaIpcCloseMemHandle(p);
    cudaFree(flags_);
    if (status_) cudaFreeHost(status_);
    memory_.reset();
    cudaStreamDestroy(slot_.stream);
    MPI_Comm_free(&comm_);
  }

  std::string_view name() const override { return "custom"; }
  Memory& memory() override { return *memory_; }

  std::optional<std::string> unsupported(Collective c, DType, RedOp) const override {
    if (c == Collective::kAllReduce) {
      if (algorithm_ == "auto" || algorithm_ == "one_shot" || algorithm_ == "two_shot") {
        return std::nullopt;
      }
      return "backend custom on device memory has no algorithm '" + algorithm_ +
             "' for all_reduce (auto, one_shot, two_shot)";
    }
    if (c == Collective::kAllToAll) {
      // pairwise: the host's name for the same exchange (every rank reads its block of each peer)
      if (algorithm_ == "auto" || algorithm_ == "direct" || algorithm_ == "pairwise") {
        return std::nullopt;
      }
      return "backend custom on device memory has no algorithm '" + algorithm_ +
             "' for all_to_all (auto, direct, pairwise)";
    }
    return "backend custom on device memory runs all_reduce and all_to_all (CUDA IPC kernels); " +
           std::string(collective_spec(c).name) + " runs on host memory (--memory host)";
  }

  void run(const OpArgs& args) override {
    const std::size_t elt = dtype_info(args.dtype).size;
    const int64_t count = args.layout.param_count;
    if (args.collective == Collective::kAllToAll) {
      const int64_t block_bytes = count * static_cast<int64_t>(elt);
      capacity_.require(peer_buffer_needs(args, size_, false));  // grown at allocation
      peer_all_to_all(peers_, args.send[0], args.recv[0], block_bytes, ++epoch_, slot_.stream);
      return;
    }
    const bool one_shot = algorithm(args) == "one_shot";
    capacity_.require(peer_buffer_needs(args, size_, !one_shot));  // grown at allocation
    if (one_shot) {
      peer_all_reduce_one_shot(args.dtype, args.op, peers_, args.send[0], args.recv[0], count,
                               ++epoch_, slot_.stream);
    } else {
      peer_all_reduce_two_shot(args.dtype, args.op, peers_, args.send[0], args.recv[0], count,
                               ++epoch_, slot_.stream);
    }
    if (args.op == RedOp::kAvg) {
      device_finish_avg(args.dtype, args.recv[0], count, size_, slot_.stream);
    }
  }

  // all_to_all has one kernel (every block straight to its peer); all_reduce one-shot up to
  // kOneShotMaxBytes under auto.
  std::string algorithm(const OpArgs& args) const override {
    if (args.collective == Collective::kAllToAll) return "direct";
    if (algorithm_ != "auto") return algorithm_;
    const int64_t bytes =
        args.layout.param_count * static_cast<int64_t>(dtype_info(args.dtype).size);
    return bytes <= kOneShotMaxBytes ? "one_shot" : "two_shot";
  }

  void complete() override {
    CB_CUDA(cudaStreamSynchronize(slot_.stream));
    check_peers_arrived();
  }
  std::unique_ptr<SampleTimer> make_timer() override { return make_stream_timer({slot_}); }
  void describe(nlohmann::json& record) const override { record["custom_transport"] = "cuda-ipc"; }

 private:
  // Maps every rank's `mine` into this process: `out[r]` is rank r's pointer here.
  void exchange(void* mine, void** out, std::vector<void*>* opened) {
    cudaIpcMemHandle_t handle{};
    CB_CUDA(cudaIpcGetMemHandle(&handle, mine));
    std::vector<cudaIpcMemHandle_t> all(static_cast<std::size_t>(size_));
    CB_MPI(
        MPI_Allgather(&handle, sizeof handle, MPI_BYTE, all.data(), sizeof handle, MPI_BYTE, comm_),
        who_);
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) {
        out[r] = mine;
        continue;
      }
      CB_CUDA(cudaIpcOpenMemHandle(&out[r], all[static_cast<std::size_t>(r)],
                                   cudaIpcMemLazyEnablePeerAccess));
      opened->push_back(out[r]);
    }
  }

  // Every rank's GPU (PCI bus id) and name, in communicator order; the names go to names_.
  std::vector<std::string> gather_ranks() {
    struct Entry {
      char name[112];
      char bus[16];
    };
    Entry mine{};
    std::strncpy(mine.name, who_.describe().c_str(), sizeof mine.name - 1);
    CB_CUDA(cudaDeviceGetPCIBusId(mine.bus, sizeof mine.bus, slot_.device));
    std::vector<Entry> all(static_cast<std::size_t>(size_));
    CB_MPI(MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, comm_),
           who_);
    std::vector<std::string> buses;
    for (const Entry& e : all) {
      names_.emplace_back(e.name, strnlen(e.name, sizeof e.name));
      buses.emplace_back(e.bus, strnlen(e.bus, sizeof e.bus));
    }
    return buses;
  }

  // After the stream drained: a kernel that gave up on a peer left its name in status_.
  void check_peers_arrived() const {
    const volatile PeerWaitStatus* s = status_;
    if (s->timed_out == 0) return;
    const auto peer = static_cast<std::size_t>(s->peer);
    const std::string name = peer < names_.size() ? names_[peer] : "rank " + std::to_string(peer);
    throw RuntimeFailure(who_.describe() + ": backend custom on device memory waited more than " +
                         std::to_string(timeout_s_) + " s (-T) for " + name + " to reach " +
                         peer_phase_name(s->phase) + " in operation " + std::to_string(s->epoch) +
                         " (block " + std::to_string(s->block) + "); " + name +
                         " never arrived: it is stuck, has failed, or its GPU is "
                         "busy with other work");
  }

  // PeerCapacity's grow: both shared buffers become `bytes` on every rank. Called from the
  // harness's allocation (collective, same sizes on every rank), never inside an operation.
  void grow(std::size_t bytes) {
    CB_CUDA(cudaStreamSynchronize(slot_.stream));
    CB_MPI(MPI_Barrier(comm_), who_);  // every peer is idle before its mappings go
    release_buffers();
    CB_CUDA(cudaMalloc(&stage_, bytes));
    CB_CUDA(cudaMalloc(&reduced_, bytes));
    exchange(stage_, peers_.stage, &opened_);
    exchange(reduced_, peers_.reduced, &opened_);
    CB_MPI(MPI_Barrier(comm_), who_);
  }

  void release_buffers() {
    for (void* p : opened_) cudaIpcCloseMemHandle(p);
    opened_.clear();
    if (stage_) cudaFree(stage_);
    if (reduced_) cudaFree(reduced_);
    stage_ = reduced_ = nullptr;
  }

  const Identity& who_;
  std::string algorithm_;
  double timeout_s_;
  std::vector<std::string> names_;  // every rank's "rank R on HOST", for messages
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  DeviceSlot slot_;
  PeerCapacity capacity_{[this](std::size_t bytes) { grow(bytes); }};
  std::unique_ptr<Memory> memory_;  // reserves in capacity_: declared after it
  PeerBuffers peers_;
  void* flags_ = nullptr;
  void* stage_ = nullptr;
  void* reduced_ = nullptr;
  PeerWaitStatus* status_ = nullptr;  // host-mapped; the kernels see peers_.status
  std::vector<void*> opened_;
  std::vector<void*> opened_flags_;
  uint64_t epoch_ = 0;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_ipc_backend(const MpiRuntime& runtime,
                                               const BackendConfig& config) {
  return std::make_unique<CudaIpcBackend>(runtime, config);
}

}  // namespace collbench
