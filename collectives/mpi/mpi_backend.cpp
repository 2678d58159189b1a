#include "collectives/mpi/mpi_backend.hpp"

#include <array>
#include <climits>

#include "collectives/mpi/mpi_device_buffers.hpp"
#include "runtime/mpi_check.hpp"
#include "runtime/mpi_runtime.hpp"
#if COLLBENCH_HAVE_CUDA
#include "collectives/cuda/device_memory.hpp"
#include "collectives/cuda/gpu_info.hpp"
#endif

namespace collbench {
namespace {

constexpr int kSendRecvTag = 7;

struct Call {
  const void* send;
  void* recv;
  MPI_Comm comm;
  int rank;
  int size;
  MPI_Datatype type;
  MPI_Op op;
  int count;
  const Identity& who;
};

void* in_place_or(const OpArgs& a, const void* send) {
  return a.inplace ? MPI_IN_PLACE : const_cast<void*>(send);
}

void run_all_reduce(const OpArgs& a, const Call& c) {
  CB_MPI(MPI_Allreduce(in_place_or(a, c.send), c.recv, c.count, c.type, c.op, c.comm), c.who);
}
void run_all_gather(const OpArgs& a, const Call& c) {
  CB_MPI(MPI_Allgather(in_place_or(a, c.send), c.count, c.type, c.recv, c.count, c.type, c.comm),
         c.who);
}
// MPI_IN_PLACE takes the input from the whole receive buffer and leaves the result at its start.
void run_reduce_scatter(const OpArgs& a, const Call& c) {
  void* buffer = a.inplace ? const_cast<void*>(c.send) : c.recv;
  CB_MPI(MPI_Reduce_scatter_block(in_place_or(a, c.send), buffer, c.count, c.type, c.op, c.comm),
         c.who);
}
void run_all_to_all(const OpArgs& a, const Call& c) {
  CB_MPI(MPI_Alltoall(in_place_or(a, c.send), c.count, c.type, c.recv, c.count, c.type, c.comm),
         c.who);
}
void run_broadcast(const OpArgs& a, const Call& c) {
  void* buffer = (c.rank == a.root && !a.inplace) ? const_cast<void*>(c.send) : c.recv;
  CB_MPI(MPI_Bcast(buffer, c.count, c.type, a.root, c.comm), c.who);
}
void run_reduce(const OpArgs& a, const Call& c) {
  const void* send = (a.inplace && c.rank == a.root) ? MPI_IN_PLACE : c.send;
  CB_MPI(MPI_Reduce(send, c.recv, c.count, c.type, c.op, a.root, c.comm), c.who);
}
void run_sendrecv(const OpArgs& a, const Call& c) {
  const int next = (c.rank + 1) % c.size;
  const int prev = (c.rank - 1 + c.size) % c.size;
  if (a.inplace) {
    CB_MPI(MPI_Sendrecv_replace(c.recv, c.count, c.type, next, kSendRecvTag, prev, kSendRecvTag,
                                c.comm, MPI_STATUS_IGNORE),
           c.who);
  } else {
    CB_MPI(MPI_Sendrecv(c.send, c.count, c.type, next, kSendRecvTag, c.recv, c.count, c.type, prev,
                        kSendRecvTag, c.comm, MPI_STATUS_IGNORE),
           c.who);
  }
}

// The one place that maps collectives onto MPI calls.
using RunFn = void (*)(const OpArgs&, const Call&);
constexpr CollectiveTable<RunFn> kDispatch = {{{Collective::kAllReduce, run_all_reduce},
                                               {Collective::kAllGather, run_all_gather},
                                               {Collective::kReduceScatter, run_reduce_scatter},
                                               {Collective::kAllToAll, run_all_to_all},
                                               {Collective::kBroadcast, run_broadcast},
                                               {Collective::kReduce, run_reduce},
                                               {Collective::kSendRecv, run_sendrecv}}};
static_assert(in_collective_order(kDispatch), "one row per collective, in enumeration order");

}  // namespace

MpiBackend::MpiBackend(const MpiRuntime& runtime, const BackendConfig& config)
    : who_(runtime.identity()), types_(runtime.identity()), memory_(make_host_memory()) {
  if (config.cuda_graph_launches > 0) {
    throw UsageError("-G/--cudagraph needs a GPU backend (--backend nccl)");
  }
  if (config.threads != 1 || config.gpus_per_process != 1) {
    throw UsageError("backend mpi runs one rank per process: use -t 1 -g 1 and launch more ranks");
  }
  comm_ = runtime.duplicate_world();
  rank_ = runtime.rank();
  size_ = runtime.size();
  if (config.memory == MemoryKind::kDevice) {
    device_ = std::make_unique<MpiDeviceBuffers>(who_, runtime.local_rank());
  }
}

MpiBackend::~MpiBackend() {
  device_.reset();
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

Memory& MpiBackend::memory() {
  return device_ ? device_->memory() : *memory_;
}

std::optional<std::string> MpiBackend::unsupported(Collective collective, DType dtype,
                                                   RedOp op) const {
  if (collective_spec(collective).uses_op && !types_.op(dtype, op)) {
    return "op " + std::string(redop_info(op).name) +
           " is not supported by backend mpi (MPI has no average; use nccl or custom)";
  }
  return std::nullopt;
}

int MpiBackend::count_arg(int64_t count) const {
  if (count > INT_MAX) {
    throw RuntimeFailure(who_.describe() + ": count " + std::to_string(count) +
                         " exceeds MPI's int count limit");
  }
  return static_cast<int>(count);
}

void MpiBackend::run(const OpArgs& args) {
  if (device_) {
    device_->run(args, [this](const OpArgs& staged) { run_host(staged); });
    return;
  }
  run_host(args);
}

void MpiBackend::run_host(const OpArgs& args) {
  const MPI_Op op = collective_spec(args.collective).uses_op
                        ? types_.op(args.dtype, args.op).value_or(MPI_OP_NULL)
                        : MPI_OP_NULL;
  const Call call{args.send[0], args.recv[0],
                  comm_,        rank_,
                  size_,        types_.datatype(args.dtype),
                  op,           count_arg(args.layout.param_count),
                  who_};
  kDispatch.at(collective_index(args.collective)).value(args, call);
}

int64_t MpiBackend::inplace_output_offset(const CollectiveSpec& spec, const BufferLayout& layout,
                                          int rank) const {
  if (spec.id == Collective::kReduceScatter) return 0;
  return Backend::inplace_output_offset(spec, layout, rank);
}

void MpiBackend::describe(nlohmann::json& run_record) const {
  run_record["mpi_buffers"] = device_ ? device_->description() : "host";
#if COLLBENCH_HAVE_CUDA
  if (device_) add_cuda_versions(run_record);
#endif
}

BackendEntry mpi_backend_entry() {
  return {"mpi", "the MPI library's blocking collectives on host memory",
          // A CUDA build's device buffers are checked by create_backend (gpu_unusable), which
          // names CUDA's own reason before any backend's.
          [](const BackendConfig& config) -> std::optional<std::string> {
#if !COLLBENCH_HAVE_CUDA
            if (config.memory == MemoryKind::kDevice) {
              return std::string("device buffers need the GPU build of the mpi backend");
            }
#else
            (void)config;
#endif
            return std::nullopt;
          },
          [](Runtime& runtime, const BackendConfig& config) -> std::unique_ptr<Backend> {
            return std::make_unique<MpiBackend>(require_mpi_runtime(runtime, "mpi"), config);
          }};
}

}  // namespace collbench
