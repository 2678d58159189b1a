#include "collectives/nccl/nccl_calls.hpp"

#include <thread>

namespace collbench {
namespace {

class RealNcclCalls final : public NcclCalls {
 public:
  cudaError_t set_device(int device) override { return cudaSetDevice(device); }
  cudaError_t stream_create(cudaStream_t* stream) override {
    return cudaStreamCreateWithFlags(stream, cudaStreamNonBlocking);
  }
  cudaError_t stream_destroy(cudaStream_t stream) override { return cudaStreamDestroy(stream); }
  cudaError_t stream_query(cudaStream_t stream) override { return cudaStreamQuery(stream); }
  cudaError_t event_create(cudaEvent_t* event) override { return cudaEventCreate(event); }
  cudaError_t event_destroy(cudaEvent_t event) override { return cudaEventDestroy(event); }
  cudaError_t event_record(cudaEvent_t event, cudaStream_t stream) override {
    return cudaEventRecord(event, stream);
  }
  cudaError_t event_synchronize(cudaEvent_t event) override { return cudaEventSynchronize(event); }
  cudaError_t event_elapsed_ms(float* ms, cudaEvent_t start, cudaEvent_t stop) override {
    return cudaEventElapsedTime(ms, start, stop);
  }
  // Thread-local mode: only this thread's CUDA calls are checked against the capture, so the
  // watchdog thread's queries cannot invalidate it.
  cudaError_t begin_capture(cudaStream_t stream) override {
    return cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  }
  cudaError_t end_capture(cudaStream_t stream, cudaGraphExec_t* exec) override {
    cudaGraph_t graph = nullptr;
    const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
    if (ended != cudaSuccess) return ended;
    const cudaError_t made = cudaGraphInstantiate(exec, graph, 0);
    (void)cudaGraphDestroy(graph);  // the executable graph keeps what it needs
    return made;
  }
  cudaError_t graph_launch(cudaGraphExec_t exec, cudaStream_t stream) override {
    return cudaGraphLaunch(exec, stream);
  }
  cudaError_t graph_exec_destroy(cudaGraphExec_t exec) override {
    return cudaGraphExecDestroy(exec);
  }
  std::string pci_bus_id(int device) override {
    char bus[32] = "?";
    if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) != cudaSuccess) {
      (void)cudaGetLastError();
      return "?";
    }
    return bus;
  }

  ncclResult_t comm_init_rank(ncclComm_t* comm, int nranks, const ncclUniqueId& id, int rank,
                              ncclConfig_t* config) override {
    return ncclCommInitRankConfig(comm, nranks, id, rank, config);
  }
  ncclResult_t group_start() override { return ncclGroupStart(); }
  ncclResult_t group_end() override { return ncclGroupEnd(); }
  ncclResult_t all_reduce(const void* send, void* recv, size_t count, ncclDataType_t type,
                          ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream) override {
    return ncclAllReduce(send, recv, count, type, op, comm, stream);
  }
  ncclResult_t all_gather(const void* send, void* recv, size_t count, ncclDataType_t type,
                          ncclComm_t comm, cudaStream_t stream) override {
    return ncclAllGather(send, recv, count, type, comm, stream);
  }
  ncclResult_t reduce_scatter(const void* send, void* recv, size_t count, ncclDataType_t type,
                              ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream) override {
    return ncclReduceScatter(send, recv, count, type, op, comm, stream);
  }
  ncclResult_t broadcast(const void* send, void* recv, size_t count, ncclDataType_t type, int root,
                         ncclComm_t comm, cudaStream_t stream) override {
    return ncclBroadcast(send, recv, count, type, root, comm, stream);
  }
  ncclResult_t reduce(const void* send, void* recv, size_t count, ncclDataType_t type,
                      ncclRedOp_t op, int root, ncclComm_t comm, cudaStream_t stream) override {
    return ncclReduce(send, recv, count, type, op, root, comm, stream);
  }
  ncclResult_t send(const void* buffer, size_t count, ncclDataType_t type, int peer,
                    ncclComm_t comm, cudaStream_t stream) override {
    return ncclSend(buffer, count, type, peer, comm, stream);
  }
  ncclResult_t recv(void* buffer, size_t count, ncclDataType_t type, int peer, ncclComm_t comm,
                    cudaStream_t stream) override {
    return ncclRecv(buffer, count, type, peer, comm, stream);
  }
  ncclResult_t comm_get_async_error(ncclComm_t comm, ncclResult_t* state) override {
    return ncclCommGetAsyncError(comm, state);
  }
  ncclResult_t comm_abort(ncclComm_t comm) override { return ncclCommAbort(comm); }
  ncclResult_t comm_finalize(ncclComm_t comm) override { return ncclCommFinalize(comm); }
  ncclResult_t comm_destroy(ncclComm_t comm) override { return ncclCommDestroy(comm); }
  std::string last_error(ncclComm_t comm) override {
    const char* text = ncclGetLastError(comm);
    return text ? text : "";
  }

  void yield() override { std::this_thread::yield(); }
};

}  // namespace

std::unique_ptr<NcclCalls> make_nccl_calls() {
  return std::make_unique<RealNcclCalls>();
}

}  // namespace collbench
