#pragma once
// --backend mpi --memory device: buffers on this process's GPU, handed to MPI directly when the
// library says it is CUDA-aware (Open MPI's MPIX_Query_cuda_support), else staged through pinned
// host memory around each call. Either way the harness fills and checks them with the device
// kernels; the run record's "mpi_buffers" says which path ran.
#include <mpi.h>

#include <functional>
#include <memory>
#include <string>

#include "collectives/backend.hpp"
#include "core/errors.hpp"

namespace collbench {

class MpiDeviceBuffers {
 public:
  // `node_process`: this process's index among the processes of its node (picks the GPU).
  MpiDeviceBuffers(const Identity& who, int node_process);
  ~MpiDeviceBuffers();
  MpiDeviceBuffers(const MpiDeviceBuffers&) = delete;
  MpiDeviceBuffers& operator=(const MpiDeviceBuffers&) = delete;

  Memory& memory() { return *memory_; }
  std::string description() const;
  int device() const { return device_; }

  // Waits for the device work queued on the buffers, then runs `call` on buffers MPI can use.
  void run(const OpArgs& args, const std::function<void(const OpArgs&)>& call);

 private:
  void* staging(int which, std::size_t bytes);

  const Identity& who_;
  int device_ = 0;
  void* stream_ = nullptr;  // cudaStream_t, kept out of this header
  bool cuda_aware_ = false;
  std::unique_ptr<Memory> memory_;
  void* staged_[2] = {nullptr, nullptr};
  std::size_t staged_bytes_[2] = {0, 0};
};

// Whether this MPI library declares CUDA support at compile time and confirms it at run time.
bool mpi_library_cuda_aware();

}  // namespace collbench
