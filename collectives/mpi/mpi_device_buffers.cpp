#include "collectives/mpi/mpi_device_buffers.hpp"

#include <algorithm>
#include <array>
#if __has_include(<mpi-ext.h>)
#include <mpi-ext.h>  // Open MPI's extensions: MPIX_CUDA_AWARE_SUPPORT, MPIX_Query_cuda_support
#endif

#include "collectives/staging_plan.hpp"
#include "core/version.hpp"
#if COLLBENCH_HAVE_CUDA
#include "collectives/cuda/cuda_usable.hpp"
#include "collectives/cuda/device_memory.hpp"
#include "kernels/cuda_check.hpp"
#endif

namespace collbench {

bool mpi_library_cuda_aware() {
#if defined(MPIX_CUDA_AWARE_SUPPORT) && MPIX_CUDA_AWARE_SUPPORT
  return MPIX_Query_cuda_support() == 1;
#else
  return false;
#endif
}

#if COLLBENCH_HAVE_CUDA
namespace {
cudaStream_t as_stream(void* s) {
  return static_cast<cudaStream_t>(s);
}
}  // namespace

MpiDeviceBuffers::MpiDeviceBuffers(const Identity& who, int node_process) : who_(who) {
  set_cuda_error_context(who.describe());
  if (auto why = cuda_unusable_reason()) throw UsageError(*why);
  const int visible = visible_device_count();
  device_ = node_process % visible;
  CB_CUDA(cudaSetDevice(device_));
  cudaStream_t stream = nullptr;
  CB_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  stream_ = stream;
  memory_ = make_device_memory({{device_, stream}});
  cuda_aware_ = mpi_library_cuda_aware();
}

MpiDeviceBuffers::~MpiDeviceBuffers() {
  memory_.reset();
  for (void* p : staged_) {
    if (p) (void)cudaFreeHost(p);
  }
  (void)cudaStreamDestroy(as_stream(stream_));
}

std::string MpiDeviceBuffers::description() const {
  return cuda_aware_ ? "device (CUDA-aware)" : "device (staged through pinned host memory)";
}

void* MpiDeviceBuffers::staging(int which, std::size_t bytes) {
  if (staged_bytes_[which] < bytes) {
    if (staged_[which]) CB_CUDA(cudaFreeHost(staged_[which]));
    staged_[which] = nullptr;
    staged_bytes_[which] = 0;
    CB_CUDA(cudaMallocHost(&staged_[which], bytes));
    staged_bytes_[which] = bytes;
  }
  return staged_[which];
}

void MpiDeviceBuffers::run(const OpArgs& args, const std::function<void(const OpArgs&)>& call) {
  const cudaStream_t stream = as_stream(stream_);
  CB_CUDA(cudaSetDevice(device_));
  CB_CUDA(cudaStreamSynchronize(stream));  // fills and poisons are queued on the stream
  if (cuda_aware_) {
    call(args);
    return;
  }
  const StagingPlan plan =
      plan_staging(args.send[0], args.recv[0], args.layout.send_count, args.layout.recv_count,
                   dtype_info(args.dtype).size, args.inplace);
  std::array<const void*, 1> host_send{};
  std::array<void*, 1> host_recv{};
  OpArgs staged = args;
  staged.send = host_send;
  staged.recv = host_recv;
  if (plan.single_region) {
    auto* host = static_cast<char*>(staging(0, std::max<std::size_t>(plan.region_bytes, 1)));
    CB_CUDA(cudaMemcpyAsync(host, plan.region, plan.region_bytes, cudaMemcpyDeviceToHost, stream));
    CB_CUDA(cudaStreamSynchronize(stream));
    host_send[0] = host + plan.send_offset;
    host_recv[0] = host + plan.recv_offset;
    call(staged);
    CB_CUDA(cudaMemcpyAsync(const_cast<char*>(plan.region), host, plan.region_bytes,
                            cudaMemcpyHostToDevice, stream));
  } else {
    // The receive buffer is staged in too: ranks whose output MPI does not write keep theirs.
    host_send[0] = staging(0, std::max<std::size_t>(plan.send_bytes, 1));
    host_recv[0] = staging(1, std::max<std::size_t>(plan.recv_bytes, 1));
    CB_CUDA(cudaMemcpyAsync(host_recv[0], args.recv[0], plan.recv_bytes, cudaMemcpyDeviceToHost,
                            stream));
    CB_CUDA(cudaMemcpyAsync(const_cast<void*>(host_send[0]), args.send[0], plan.send_bytes,
                            cudaMemcpyDeviceToHost, stream));
    CB_CUDA(cudaStreamSynchronize(stream));
    call(staged);
    CB_CUDA(cudaMemcpyAsync(args.recv[0], host_recv[0], plan.recv_bytes, cudaMemcpyHostToDevice,
                            stream));
  }
  CB_CUDA(cudaStreamSynchronize(stream));
}

#else
// A build without CUDA: the entry refuses --memory device first; this is the last line of defence.
MpiDeviceBuffers::MpiDeviceBuffers(const Identity& who, int) : who_(who) {
  throw UsageError("--memory device needs a CUDA build (this mpi backend serves host memory)");
}
MpiDeviceBuffers::~MpiDeviceBuffers() = default;
std::string MpiDeviceBuffers::description() const {
  return "host";
}
void MpiDeviceBuffers::run(const OpArgs& args, const std::function<void(const OpArgs&)>& call) {
  call(args);
}
#endif

}  // namespace collbench
