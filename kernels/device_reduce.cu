// Element-wise reduction kernels. One template per (type, op) pair, the op a template argument so
// the combine step of apply_redop() (the host's own, from redop.hpp) folds to one instruction.
// 8/16-bit floats combine in float, like the host reductions and the libraries.
#include <type_traits>

#include "kernels/device_common.cuh"
#include "kernels/device_reduce.hpp"

namespace collbench {
namespace {

using device::kThreads;

template <typename T>
using AccumulatorOf = std::conditional_t<std::is_arithmetic_v<T>, T, float>;

template <typename T, RedOp kOp>
__device__ T combine(const T& x, const T& y) {
  using Acc = AccumulatorOf<T>;
  return static_cast<T>(apply_redop<T, Acc>(kOp, static_cast<Acc>(x), static_cast<Acc>(y)));
}

// Aligned buffers: whole 16-byte vectors, then the tail element by element.
template <typename T, RedOp kOp>
__global__ void reduce_kernel(T* out, const T* a, const T* b, int64_t count, bool vector_ok) {
  constexpr int lanes = device::kLanes<T>;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  int64_t scalar_from = 0;
  if (vector_ok) {
    const int64_t units = count / lanes;
    for (int64_t u = first; u < units; u += stride) {
      const device::Vec<T> x = device::load_vec(a + u * lanes);
      const device::Vec<T> y = device::load_vec(b + u * lanes);
      device::Vec<T> r;
#pragma unroll
      for (int k = 0; k < lanes; ++k) r.lane[k] = combine<T, kOp>(x.lane[k], y.lane[k]);
      device::store_vec(out + u * lanes, r);
    }
    scalar_from = units * lanes;
  }
  for (int64_t i = scalar_from + first; i < count; i += stride)
    out[i] = combine<T, kOp>(a[i], b[i]);
}

template <typename T>
__global__ void finish_avg_kernel(T* data, int64_t count, int32_t nranks) {
  using Acc = AccumulatorOf<T>;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride) {
    data[i] = static_cast<T>(static_cast<Acc>(data[i]) / static_cast<Acc>(nranks));
  }
}

__global__ void copy_kernel(uint4* dst, const uint4* src, int64_t units) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t u = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; u < units;
       u += stride) {
    dst[u] = __ldg(src + u);
  }
}

__global__ void copy_bytes_kernel(unsigned char* dst, const unsigned char* src, int64_t bytes) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < bytes;
       i += stride) {
    dst[i] = src[i];
  }
}

int64_t grid_budget() {
  return int64_t{device::sm_count()} * device::kBlocksPerSm;
}

template <typename T, RedOp kOp>
void launch_reduce(T* out, const T* a, const T* b, int64_t count, cudaStream_t stream) {
  const bool vector_ok = device::aligned16(out) && device::aligned16(a) && device::aligned16(b);
  const int64_t units = vector_ok ? (count + device::kLanes<T> - 1) / device::kLanes<T> : count;
  reduce_kernel<T, kOp><<<device::grid_for(units, grid_budget()), kThreads, 0, stream>>>(
      out, a, b, count, vector_ok);
  CB_CUDA(cudaGetLastError());
}

}  // namespace

void device_reduce3(DType dtype, RedOp op, void* out, const void* a, const void* b, int64_t count,
                    cudaStream_t stream) {
  if (count <= 0) return;
  for_dtype(dtype, [&]<typename T>() {
    T* o = static_cast<T*>(out);
    const T* x = static_cast<const T*>(a);
    const T* y = static_cast<const T*>(b);
    switch (op) {
      case RedOp::kSum:
      case RedOp::kAvg:
        return launch_reduce<T, RedOp::kSum>(o, x, y, count, stream);
      case RedOp::kProd:
        return launch_reduce<T, RedOp::kProd>(o, x, y, count, stream);
      case RedOp::kMax:
        return launch_reduce<T, RedOp::kMax>(o, x, y, count, stream);
      case RedOp::kMin:
        return launch_reduce<T, RedOp::kMin>(o, x, y, count, stream);
    }
  });
}

void device_finish_avg(DType dtype, void* inout, int64_t count, int32_t nranks,
                       cudaStream_t stream) {
  if (count <= 0) return;
  for_dtype(dtype, [&]<typename T>() {
    finish_avg_kernel<T><<<device::grid_for(count, grid_budget()), kThreads, 0, stream>>>(
        static_cast<T*>(inout), count, nranks);
    CB_CUDA(cudaGetLastError());
  });
}

void device_sm_copy(void* dst, const void* src, std::size_t bytes, cudaStream_t stream) {
  if (bytes == 0) return;
  const auto n = static_cast<int64_t>(bytes);
  if (device::aligned16(dst) && device::aligned16(src) && n % device::kVectorBytes == 0) {
    const int64_t units = n / device::kVectorBytes;
    copy_kernel<<<device::grid_for(units, grid_budget()), kThreads, 0, stream>>>(
        static_cast<uint4*>(dst), static_cast<const uint4*>(src), units);
  } else {
    copy_bytes_kernel<<<device::grid_for(n, grid_budget()), kThreads, 0, stream>>>(
        static_cast<unsigned char*>(dst), static_cast<const unsigned char*>(src), n);
  }
  CB_CUDA(cudaGetLastError());
}

}  // namespace collbench
