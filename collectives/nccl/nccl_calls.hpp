#pragma once
// The seam between the NCCL backend's logic and the libraries: every NCCL and CUDA call the
// launcher makes goes through NcclCalls, so a CPU test can drive the launcher with a recording
// fake and assert the call sequence (what lies between the timer's events, what the watchdog
// aborts). make_nccl_calls() is the real implementation: one line per library call.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <cstddef>
#include <memory>
#include <string>

namespace collbench {

class NcclCalls {
 public:
  virtual ~NcclCalls() = default;

  // CUDA runtime.
  virtual cudaError_t set_device(int device) = 0;
  virtual cudaError_t stream_create(cudaStream_t* stream) = 0;  // non-blocking flag
  virtual cudaError_t stream_destroy(cudaStream_t stream) = 0;
  virtual cudaError_t stream_query(cudaStream_t stream) = 0;
  virtual cudaError_t event_create(cudaEvent_t* event) = 0;
  virtual cudaError_t event_destroy(cudaEvent_t event) = 0;
  virtual cudaError_t event_record(cudaEvent_t event, cudaStream_t stream) = 0;
  virtual cudaError_t event_synchronize(cudaEvent_t event) = 0;
  virtual cudaError_t event_elapsed_ms(float* ms, cudaEvent_t start, cudaEvent_t stop) = 0;
  virtual cudaError_t begin_capture(cudaStream_t stream) = 0;
  // Ends the capture and instantiates it (the intermediate graph is destroyed).
  virtual cudaError_t end_capture(cudaStream_t stream, cudaGraphExec_t* exec) = 0;
  virtual cudaError_t graph_launch(cudaGraphExec_t exec, cudaStream_t stream) = 0;
  virtual cudaError_t graph_exec_destroy(cudaGraphExec_t exec) = 0;
  // "0000:41:00.0", or "?" when CUDA cannot say.
  virtual std::string pci_bus_id(int device) = 0;

  // NCCL.
  virtual ncclResult_t comm_init_rank(ncclComm_t* comm, int nranks, const ncclUniqueId& id,
                                      int rank, ncclConfig_t* config) = 0;
  virtual ncclResult_t group_start() = 0;
  virtual ncclResult_t group_end() = 0;
  virtual ncclResult_t all_reduce(const void* send, void* recv, size_t count, ncclDataType_t type,
                                  ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream) = 0;
  virtual ncclResult_t all_gather(const void* send, void* recv, size_t count, ncclDataType_t type,
                                  ncclComm_t comm, cudaStream_t stream) = 0;
  virtual ncclResult_t reduce_scatter(const void* send, void* recv, size_t count,
                                      ncclDataType_t type, ncclRedOp_t op, ncclComm_t comm,
                                      cudaStream_t stream) = 0;
  virtual ncclResult_t broadcast(const void* send, void* recv, size_t count, ncclDataType_t type,
                                 int root, ncclComm_t comm, cudaStream_t stream) = 0;
  virtual ncclResult_t reduce(const void* send, void* recv, size_t count, ncclDataType_t type,
                              ncclRedOp_t op, int root, ncclComm_t comm, cudaStream_t stream) = 0;
  virtual ncclResult_t send(const void* buffer, size_t count, ncclDataType_t type, int peer,
                            ncclComm_t comm, cudaStream_t stream) = 0;
  virtual ncclResult_t recv(void* buffer, size_t count, ncclDataType_t type, int peer,
                            ncclComm_t comm, cudaStream_t stream) = 0;
  virtual ncclResult_t comm_get_async_error(ncclComm_t comm, ncclResult_t* state) = 0;
  virtual ncclResult_t comm_abort(ncclComm_t comm) = 0;
  virtual ncclResult_t comm_finalize(ncclComm_t comm) = 0;
  virtual ncclResult_t comm_destroy(ncclComm_t comm) = 0;
  // ncclGetLastError: "" when NCCL has nothing to add.
  virtual std::string last_error(ncclComm_t comm) = 0;

  // Lets other threads run while completion polls the streams (never called while timing).
  virtual void yield() = 0;
};

std::unique_ptr<NcclCalls> make_nccl_calls();

}  // namespace collbench
