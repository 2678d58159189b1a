// One-launch collectives over peer memory (see device_peer_collectives.hpp for the protocol).
#include <cuda/atomic>
#include <type_traits>

#include "kernels/device_common.cuh"
#include "kernels/device_peer_collectives.hpp"

namespace collbench {
namespace {

using device::kThreads;

enum Phase : int { kReady = 0, kReduced = 1, kDone = 2, kPhases = 3 };

__host__ __device__ constexpr int flag_index(int phase, int from_rank, int block) {
  return (phase * kMaxPeerRanks + from_rank) * kPeerBlocks + block;
}

// Thread 0 of the block tells every rank (itself included) that this block reached `phase`.
__device__ void signal_all(const PeerBuffers& p, int phase, uint64_t epoch) {
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence_system();  // the block's writes before the flag, for readers on any GPU
    for (int r = 0; r < p.nranks; ++r) {
      cuda::atomic_ref<uint64_t, cuda::thread_scope_system> flag(
          p.flags[r][flag_index(phase, p.rank, blockIdx.x)]);
      flag.store(epoch, cuda::memory_order_release);
    }
  }
}

// Thread 0 waits until every rank's same block reached `phase` of `epoch`; the block follows.
__device__ void wait_all(const PeerBuffers& p, int phase, uint64_t epoch) {
  if (threadIdx.x == 0 && epoch > 0) {
    for (int r = 0; r < p.nranks; ++r) {
      cuda::atomic_ref<uint64_t, cuda::thread_scope_system> flag(
          p.flags[p.rank][flag_index(phase, r, blockIdx.x)]);
      while (flag.load(cuda::memory_order_acquire) < epoch) __nanosleep(64);
    }
    __threadfence_system();
  }
  __syncthreads();
}

// [lo, hi) of `count` items for part `part` of `parts`, boundaries on multiples of `align`.
__device__ void split(int64_t count, int part, int parts, int64_t align, int64_t* lo, int64_t* hi) {
  const int64_t units = (count + align - 1) / align;
  const int64_t per = (units + parts - 1) / parts;
  *lo = min(count, per * part * align);
  *hi = min(count, per * (part + 1) * align);
}

// Copies bytes [lo, hi) with the block's threads, 16 bytes at a time where aligned.
__device__ void block_copy(unsigned char* dst, const unsigned char* src, int64_t lo, int64_t hi) {
  if (device::aligned16(dst + lo) && device::aligned16(src + lo)) {
    const int64_t units = (hi - lo) / device::kVectorBytes;
    auto* d = reinterpret_cast<uint4*>(dst + lo);
    const auto* s = reinterpret_cast<const uint4*>(src + lo);
    for (int64_t u = threadIdx.x; u < units; u += blockDim.x) d[u] = s[u];
    lo += units * device::kVectorBytes;
  }
  for (int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) dst[i] = src[i];
}

template <typename T>
using AccumulatorOf = std::conditional_t<std::is_arithmetic_v<T>, T, float>;

// out[i] = in_0[i] op ... op in_{n-1}[i] for i in [lo, hi), accumulated in Acc.
template <typename T, RedOp kOp>
__device__ void block_reduce(T* out, void* const* inputs, int n, int64_t lo, int64_t hi) {
  using Acc = AccumulatorOf<T>;
  for (int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) {
    Acc acc = static_cast<Acc>(static_cast<const T*>(inputs[0])[i]);
    for (int r = 1; r < n; ++r) {
      acc = apply_redop<T, Acc>(kOp, acc, static_cast<Acc>(static_cast<const T*>(inputs[r])[i]));
    }
    out[i] = static_cast<T>(acc);
  }
}

template <typename T, RedOp kOp>
__global__ void one_shot_kernel(PeerBuffers p, const T* send, T* recv, int64_t count,
                                uint64_t epoch) {
  int64_t lo = 0;
  int64_t hi = 0;
  split(count, blockIdx.x, gridDim.x, device::kLanes<T>, &lo, &hi);
  wait_all(p, kDone, epoch - 1);  // peers are done reading this slice of the last operation
  block_copy(static_cast<unsigned char*>(p.stage[p.rank]),
             reinterpret_cast<const unsigned char*>(send), lo * sizeof(T), hi * sizeof(T));
  signal_all(p, kReady, epoch);
  wait_all(p, kReady, epoch);
  block_reduce<T, kOp>(recv, p.stage, p.nranks, lo, hi);
  signal_all(p, kDone, epoch);
}

template <typename T, RedOp kOp>
__global__ void two_shot_kernel(PeerBuffers p, const T* send, T* recv, int64_t count,
                                uint64_t epoch) {
  int64_t lo = 0;
  int64_t hi = 0;
  split(count, blockIdx.x, gridDim.x, device::kLanes<T>, &lo, &hi);
  wait_all(p, kDone, epoch - 1);
  block_copy(static_cast<unsigned char*>(p.stage[p.rank]),
             reinterpret_cast<const unsigned char*>(send), lo * sizeof(T), hi * sizeof(T));
  signal_all(p, kReady, epoch);
  wait_all(p, kReady, epoch);
  // Reduce-scatter: this rank's piece of the slice, into its reduced buffer.
  int64_t mine_lo = 0;
  int64_t mine_hi = 0;
  split(hi - lo, p.rank, p.nranks, device::kLanes<T>, &mine_lo, &mine_hi);
  block_reduce<T, kOp>(static_cast<T*>(p.reduced[p.rank]), p.stage, p.nranks, lo + mine_lo,
                       lo + mine_hi);
  signal_all(p, kReduced, epoch);
  wait_all(p, kReduced, epoch);
  // All-gather: every rank's reduced piece into the output.
  for (int r = 0; r < p.nranks; ++r) {
    int64_t piece_lo = 0;
    int64_t piece_hi = 0;
    split(hi - lo, r, p.nranks, device::kLanes<T>, &piece_lo, &piece_hi);
    block_copy(reinterpret_cast<unsigned char*>(recv),
               static_cast<const unsigned char*>(p.reduced[r]), (lo + piece_lo) * sizeof(T),
               (lo + piece_hi) * sizeof(T));
  }
  signal_all(p, kDone, epoch);
}

__global__ void all_to_all_kernel(PeerBuffers p, const unsigned char* send, unsigned char* recv,
                                  int64_t block_bytes, uint64_t epoch) {
  int64_t lo = 0;
  int64_t hi = 0;
  split(block_bytes, blockIdx.x, gridDim.x, device::kVectorBytes, &lo, &hi);
  wait_all(p, kDone, epoch - 1);
  auto* stage = static_cast<unsigned char*>(p.stage[p.rank]);
  for (int r = 0; r < p.nranks; ++r) {
    block_copy(stage + r * block_bytes, send + r * block_bytes, lo, hi);
  }
  signal_all(p, kReady, epoch);
  wait_all(p, kReady, epoch);
  for (int r = 0; r < p.nranks; ++r) {
    block_copy(recv + r * block_bytes,
               static_cast<const unsigned char*>(p.stage[r]) + p.rank * block_bytes, lo, hi);
  }
  signal_all(p, kDone, epoch);
}

template <template <typename, RedOp> class Launch, typename... Args>
void dispatch(DType dtype, RedOp op, Args&&... args) {
  for_dtype(dtype, [&]<typename T>() {
    switch (op) {
      case RedOp::kSum:
      case RedOp::kAvg:  // summed here; the caller divides (device_finish_avg)
        return Launch<T, RedOp::kSum>::run(args...);
      case RedOp::kProd:
        return Launch<T, RedOp::kProd>::run(args...);
      case RedOp::kMax:
        return Launch<T, RedOp::kMax>::run(args...);
      case RedOp::kMin:
        return Launch<T, RedOp::kMin>::run(args...);
    }
  });
}

template <typename T, RedOp kOp>
struct LaunchOneShot {
  static void run(const PeerBuffers& p, const void* send, void* recv, int64_t count, uint64_t epoch,
                  cudaStream_t stream) {
    one_shot_kernel<T, kOp><<<kPeerBlocks, kThreads, 0, stream>>>(
        p, static_cast<const T*>(send), static_cast<T*>(recv), count, epoch);
    CB_CUDA(cudaGetLastError());
  }
};

template <typename T, RedOp kOp>
struct LaunchTwoShot {
  static void run(const PeerBuffers& p, const void* send, void* recv, int64_t count, uint64_t epoch,
                  cudaStream_t stream) {
    two_shot_kernel<T, kOp><<<kPeerBlocks, kThreads, 0, stream>>>(
        p, static_cast<const T*>(send), static_cast<T*>(recv), count, epoch);
    CB_CUDA(cudaGetLastError());
  }
};

}  // namespace

std::size_t peer_flag_bytes() {
  return sizeof(uint64_t) * static_cast<std::size_t>(flag_index(kPhases, 0, 0));
}

void peer_all_reduce_one_shot(DType dtype, RedOp op, const PeerBuffers& peers, const void* send,
                              void* recv, int64_t count, uint64_t epoch, cudaStream_t stream) {
  dispatch<LaunchOneShot>(dtype, op, peers, send, recv, count, epoch, stream);
}

void peer_all_reduce_two_shot(DType dtype, RedOp op, const PeerBuffers& peers, const void* send,
                              void* recv, int64_t count, uint64_t epoch, cudaStream_t stream) {
  dispatch<LaunchTwoShot>(dtype, op, peers, send, recv, count, epoch, stream);
}

void peer_all_to_all(const PeerBuffers& peers, const void* send, void* recv, int64_t block_bytes,
                     uint64_t epoch, cudaStream_t stream) {
  all_to_all_kernel<<<kPeerBlocks, kThreads, 0, stream>>>(
      peers, static_cast<const unsigned char*>(send), static_cast<unsigned char*>(recv),
      block_bytes, epoch);
  CB_CUDA(cudaGetLastError());
}

}  // namespace collbench
