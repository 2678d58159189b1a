// One-launch collectives over peer memory (protocol: kernels/peer_protocol.hpp).
#include <cuda/atomic>

#include <algorithm>
#include <type_traits>

#include "kernels/device_common.cuh"
#include "kernels/device_peer_collectives.hpp"

namespace collbench {
namespace {

using device::kThreads;
using device::kVectorBytes;

// Blocks per SM that keep enough 16-byte loads in flight to saturate HBM and NVLink; the launch
// bounds make the compiler fit this many (the grid must stay resident: blocks spin on peers).
constexpr int kPeerBlocksPerSm = 4;
// 16-byte units each thread has in flight per loop iteration of a copy.
constexpr int kUnroll = 4;
// Spins between looks at the host-mapped status (a PCIe read) while waiting.
constexpr int kSpinsPerAbortCheck = 256;

using SystemFlag = cuda::atomic_ref<uint64_t, cuda::thread_scope_system>;

__device__ uint64_t global_ns() {
  uint64_t t = 0;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

// The first wait to run out on this rank records who never arrived; later ones see it and stop.
__device__ void report_timeout(const PeerBuffers& p, int peer, int phase, uint64_t epoch) {
  if (p.status == nullptr) return;
  cuda::atomic_ref<uint32_t, cuda::thread_scope_system> flag(p.status->timed_out);
  uint32_t expected = 0;
  if (flag.compare_exchange_strong(expected, 1u, cuda::memory_order_relaxed)) {
    p.status->peer = peer;
    p.status->phase = phase;
    p.status->block = static_cast<int32_t>(blockIdx.x);
    p.status->epoch = epoch;
    __threadfence_system();
  }
}

__device__ bool aborted(const PeerBuffers& p) {
  if (p.status == nullptr) return false;
  return cuda::atomic_ref<uint32_t, cuda::thread_scope_system>(p.status->timed_out)
             .load(cuda::memory_order_relaxed) != 0;
}

// Thread 0: spins until `word` reaches `epoch`. False when the wait ran out (reported) or another
// wait on this rank already did: the block then leaves instead of spinning on a missing peer.
__device__ bool spin_until(const PeerBuffers& p, uint64_t* word, uint64_t epoch, int peer,
                           int phase) {
  SystemFlag flag(*word);
  if (flag.load(cuda::memory_order_acquire) >= epoch) return true;  // the common, fast case
  const uint64_t start = global_ns();
  for (int spins = 1;; ++spins) {
    __nanosleep(64);
    if (flag.load(cuda::memory_order_acquire) >= epoch) return true;
    if (peer_wait_expired(start, global_ns(), p.timeout_ns)) {
      report_timeout(p, peer, phase, epoch);
      return false;
    }
    if (spins % kSpinsPerAbortCheck == 0 && aborted(p)) return false;
  }
}

// Thread 0 tells every rank (itself included) that this block reached `phase` of `epoch`.
__device__ void signal_all(const PeerBuffers& p, int phase, uint64_t epoch) {
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence_system();  // the block's writes before the flag, for readers on any GPU
    for (int r = 0; r < p.nranks; ++r) {
      SystemFlag(p.flags[r][peer_block_flag(phase, p.rank, blockIdx.x)])
          .store(epoch, cuda::memory_order_release);
    }
  }
}

// The block waits until the same block of every rank reached `phase` of `epoch`. False: give up.
__device__ bool wait_all(const PeerBuffers& p, int phase, uint64_t epoch) {
  bool ok = true;
  if (threadIdx.x == 0) {
    for (int r = 0; r < p.nranks && ok; ++r) {
      ok = spin_until(p, &p.flags[p.rank][peer_block_flag(phase, r, blockIdx.x)], epoch, r, phase);
    }
    __threadfence_system();
  }
  return __syncthreads_and(ok) != 0;
}

// The write gate: every block of every peer has finished reading the previous operation, whatever
// its layout was. Only then may this block write into shared buffers. False: give up.
__device__ bool wait_previous_drained(const PeerBuffers& p, uint64_t epoch) {
  const uint64_t gate = peer_write_gate(epoch);
  bool ok = true;
  if (threadIdx.x == 0 && gate > 0) {
    for (int r = 0; r < p.nranks && ok; ++r) {
      ok = spin_until(p, &p.flags[p.rank][peer_done_flag(r)], gate, r, kPeerBlockPhases);
    }
    __threadfence_system();
  }
  return __syncthreads_and(ok) != 0;
}

// The block has read everything it reads from peers in `epoch`; the grid's last block to get
// here publishes "this rank drained `epoch`" to every rank.
__device__ void arrive_drained(const PeerBuffers& p, uint64_t epoch) {
  __syncthreads();
  if (threadIdx.x != 0) return;
  __threadfence_system();
  SystemFlag arrivals(p.flags[p.rank][peer_arrival_counter()]);
  const uint64_t before = arrivals.fetch_add(1, cuda::memory_order_acq_rel);
  if (!peer_last_arrival(before, static_cast<int>(gridDim.x))) return;
  arrivals.store(0, cuda::memory_order_relaxed);  // the next launch starts after this one ends
  __threadfence_system();
  for (int r = 0; r < p.nranks; ++r) {
    SystemFlag(p.flags[r][peer_done_flag(p.rank)]).store(epoch, cuda::memory_order_release);
  }
}

// Loads that bypass L1 (cache at L2, "cg"): peers write these buffers during the kernel, and a
// non-coherent or stale L1 line must never serve them.
__device__ uint4 load_cg(const uint4* p) {
  return __ldcg(p);
}
__device__ unsigned char load_cg(const unsigned char* p) {
  return static_cast<unsigned char>(__ldcg(reinterpret_cast<const char*>(p)));
}

// Copies bytes [lo, hi) with the block's threads: single bytes up to the first 16-byte boundary
// of dst, 16-byte vectors (kUnroll in flight per thread) when src shares dst's alignment, and
// single bytes for the tail (or everything, when the alignments differ).
__device__ void block_copy(unsigned char* dst, const unsigned char* src, int64_t lo, int64_t hi) {
  if ((reinterpret_cast<uintptr_t>(dst) - reinterpret_cast<uintptr_t>(src)) % kVectorBytes == 0) {
    const auto misaligned =
        static_cast<int64_t>(reinterpret_cast<uintptr_t>(dst + lo) % kVectorBytes);
    const int64_t head_end = min(hi, misaligned == 0 ? lo : lo + kVectorBytes - misaligned);
    for (int64_t i = lo + threadIdx.x; i < head_end; i += blockDim.x) dst[i] = load_cg(src + i);
    const int64_t units = (hi - head_end) / kVectorBytes;
    auto* d = reinterpret_cast<uint4*>(dst + head_end);
    const auto* s = reinterpret_cast<const uint4*>(src + head_end);
    const int64_t stride = static_cast<int64_t>(blockDim.x) * kUnroll;
    for (int64_t base = threadIdx.x; base < units; base += stride) {
      uint4 v[kUnroll];
#pragma unroll
      for (int k = 0; k < kUnroll; ++k) {
        const int64_t u = base + k * static_cast<int64_t>(blockDim.x);
        if (u < units) v[k] = load_cg(s + u);
      }
#pragma unroll
      for (int k = 0; k < kUnroll; ++k) {
        const int64_t u = base + k * static_cast<int64_t>(blockDim.x);
        if (u < units) d[u] = v[k];
      }
    }
    lo = head_end + units * kVectorBytes;
  }
  for (int64_t i = lo + threadIdx.x; i < hi; i += blockDim.x) dst[i] = load_cg(src + i);
}

template <typename T>
using AccumulatorOf = std::conditional_t<std::is_arithmetic_v<T>, T, float>;

// One element through an L2 load of its own width (2-, 4- and 8-byte types are aligned to it).
template <typename T>
__device__ T load_element(const T* p) {
  using Raw = std::conditional_t<
      sizeof(T) == 1, unsigned char,
      std::conditional_t<sizeof(T) == 2, unsigned short,
                         std::conditional_t<sizeof(T) == 4, unsigned int, unsigned long long>>>;
  static_assert(sizeof(Raw) == sizeof(T), "element types are 1, 2, 4 or 8 bytes");
  const Raw raw = __ldcg(reinterpret_cast<const Raw*>(p));
  T value;
  memcpy(&value, &raw, sizeof(T));
  return value;
}

// One element: out[i] = in_0[i] op ... op in_{n-1}[i], accumulated in Acc.
template <typename T, RedOp kOp>
__device__ void reduce_element(T* out, void* const* inputs, int n, int64_t i) {
  using Acc = AccumulatorOf<T>;
  Acc acc = static_cast<Acc>(load_element(static_cast<const T*>(inputs[0]) + i));
  for (int r = 1; r < n; ++r) {
    acc = apply_redop<T, Acc>(kOp, acc,
                              static_cast<Acc>(load_element(static_cast<const T*>(inputs[r]) + i)));
  }
  out[i] = static_cast<T>(acc);
}

// out[i] = in_0[i] op ... op in_{n-1}[i] for i in [lo, hi): single elements up to the inputs'
// first 16-byte boundary and for the tail, 16-byte vectors of kLanes<T> elements between (stored
// whole when out is aligned there too, lane by lane when not). The inputs are the staging
// buffers, allocated alike, so they share one alignment; if they do not, every element goes
// alone. The order of the combine is the same on every rank (rank 0 first), so every rank
// reduces a given element to the same bits.
template <typename T, RedOp kOp>
__device__ void block_reduce(T* out, void* const* inputs, int n, int64_t lo, int64_t hi) {
  using Acc = AccumulatorOf<T>;
  constexpr int kLanes = device::kLanes<T>;
  const auto* first = static_cast<const T*>(inputs[0]);
  bool shared_alignment = true;
  for (int r = 1; r < n; ++r) {
    shared_alignment &=
        (reinterpret_cast<uintptr_t>(inputs[r]) - reinterpret_cast<uintptr_t>(first)) %
            kVectorBytes ==
        0;
  }
  int64_t head_end = hi;
  if (shared_alignment && reinterpret_cast<uintptr_t>(first) % sizeof(T) == 0) {
    const auto misaligned_elems =
        static_cast<int64_t>((reinterpret_cast<uintptr_t>(first + lo) % kVectorBytes) / sizeof(T));
    head_end = min(hi, misaligned_elems == 0 ? lo : lo + kLanes - misaligned_elems);
  }
  for (int64_t i = lo + threadIdx.x; i < head_end; i += blockDim.x) {
    reduce_element<T, kOp>(out, inputs, n, i);
  }
  const int64_t units = (hi - head_end) / kLanes;
  for (int64_t u = threadIdx.x; u < units; u += blockDim.x) {
    const int64_t i = head_end + u * kLanes;
    device::Vec<T> v;
    uint4 raw = load_cg(reinterpret_cast<const uint4*>(first + i));
    memcpy(&v, &raw, sizeof v);
    Acc acc[kLanes];
#pragma unroll
    for (int l = 0; l < kLanes; ++l) acc[l] = static_cast<Acc>(v.lane[l]);
#pragma unroll 4
    for (int r = 1; r < n; ++r) {
      raw = load_cg(reinterpret_cast<const uint4*>(static_cast<const T*>(inputs[r]) + i));
      memcpy(&v, &raw, sizeof v);
#pragma unroll
      for (int l = 0; l < kLanes; ++l) {
        acc[l] = apply_redop<T, Acc>(kOp, acc[l], static_cast<Acc>(v.lane[l]));
      }
    }
#pragma unroll
    for (int l = 0; l < kLanes; ++l) v.lane[l] = static_cast<T>(acc[l]);
    if (device::aligned16(out + i)) {
      device::store_vec(out + i, v);
    } else {
#pragma unroll
      for (int l = 0; l < kLanes; ++l) out[i + l] = v.lane[l];
    }
  }
  for (int64_t i = head_end + units * kLanes + threadIdx.x; i < hi; i += blockDim.x) {
    reduce_element<T, kOp>(out, inputs, n, i);
  }
}

template <typename T, RedOp kOp>
__global__ void __launch_bounds__(kThreads, kPeerBlocksPerSm)
    one_shot_kernel(PeerBuffers p, const T* send, T* recv, int64_t count, uint64_t epoch) {
  const PeerSlice s = peer_slice(count, blockIdx.x, gridDim.x, device::kLanes<T>);
  if (!wait_previous_drained(p, epoch)) return;
  block_copy(static_cast<unsigned char*>(p.stage[p.rank]),
             reinterpret_cast<const unsigned char*>(send), s.lo * sizeof(T), s.hi * sizeof(T));
  signal_all(p, kPeerReady, epoch);
  if (!wait_all(p, kPeerReady, epoch)) return;
  block_reduce<T, kOp>(recv, p.stage, p.nranks, s.lo, s.hi);
  arrive_drained(p, epoch);
}

template <typename T, RedOp kOp>
__global__ void __launch_bounds__(kThreads, kPeerBlocksPerSm)
    two_shot_kernel(PeerBuffers p, const T* send, T* recv, int64_t count, uint64_t epoch) {
  const PeerSlice s = peer_slice(count, blockIdx.x, gridDim.x, device::kLanes<T>);
  if (!wait_previous_drained(p, epoch)) return;
  block_copy(static_cast<unsigned char*>(p.stage[p.rank]),
             reinterpret_cast<const unsigned char*>(send), s.lo * sizeof(T), s.hi * sizeof(T));
  signal_all(p, kPeerReady, epoch);
  if (!wait_all(p, kPeerReady, epoch)) return;
  // Reduce-scatter: this rank's piece of the slice, into its reduced buffer.
  const PeerSlice mine = peer_slice(s.hi - s.lo, p.rank, p.nranks, device::kLanes<T>);
  block_reduce<T, kOp>(static_cast<T*>(p.reduced[p.rank]), p.stage, p.nranks, s.lo + mine.lo,
                       s.lo + mine.hi);
  signal_all(p, kPeerReduced, epoch);
  if (!wait_all(p, kPeerReduced, epoch)) return;
  // All-gather: every rank's reduced piece into the output.
  for (int r = 0; r < p.nranks; ++r) {
    const PeerSlice piece = peer_slice(s.hi - s.lo, r, p.nranks, device::kLanes<T>);
    block_copy(reinterpret_cast<unsigned char*>(recv),
               static_cast<const unsigned char*>(p.reduced[r]), (s.lo + piece.lo) * sizeof(T),
               (s.lo + piece.hi) * sizeof(T));
  }
  arrive_drained(p, epoch);
}

__global__ void __launch_bounds__(kThreads, kPeerBlocksPerSm)
    all_to_all_kernel(PeerBuffers p, const unsigned char* send, unsigned char* recv,
                      int64_t block_bytes, uint64_t epoch) {
  const PeerSlice s = peer_slice(block_bytes, blockIdx.x, gridDim.x, kVectorBytes);
  if (!wait_previous_drained(p, epoch)) return;
  auto* stage = static_cast<unsigned char*>(p.stage[p.rank]);
  for (int r = 0; r < p.nranks; ++r) {
    block_copy(stage + r * block_bytes, send + r * block_bytes, s.lo, s.hi);
  }
  signal_all(p, kPeerReady, epoch);
  if (!wait_all(p, kPeerReady, epoch)) return;
  for (int r = 0; r < p.nranks; ++r) {
    block_copy(recv + r * block_bytes,
               static_cast<const unsigned char*>(p.stage[r]) + p.rank * block_bytes, s.lo, s.hi);
  }
  arrive_drained(p, epoch);
}

// A launch with a grid the protocol cannot pair up is a bug in the caller, named before it hangs.
void check_launch(const PeerBuffers& p) {
  if (p.blocks < 1 || p.blocks > kMaxPeerBlocks || p.nranks < 1 || p.nranks > kMaxPeerRanks ||
      p.rank < 0 || p.rank >= p.nranks) {
    throw_cuda_error(cudaErrorInvalidValue, "peer kernel launch (blocks, rank or rank count)",
                     __FILE__, __LINE__);
  }
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
    one_shot_kernel<T, kOp><<<p.blocks, kThreads, 0, stream>>>(p, static_cast<const T*>(send),
                                                               static_cast<T*>(recv), count, epoch);
    CB_CUDA(cudaGetLastError());
  }
};

template <typename T, RedOp kOp>
struct LaunchTwoShot {
  static void run(const PeerBuffers& p, const void* send, void* recv, int64_t count, uint64_t epoch,
                  cudaStream_t stream) {
    two_shot_kernel<T, kOp><<<p.blocks, kThreads, 0, stream>>>(p, static_cast<const T*>(send),
                                                               static_cast<T*>(recv), count, epoch);
    CB_CUDA(cudaGetLastError());
  }
};

}  // namespace

std::size_t peer_flag_bytes() {
  return sizeof(uint64_t) * static_cast<std::size_t>(peer_flag_words());
}

int peer_launch_blocks(int ranks_per_gpu) {
  // The fewest resident blocks of the instantiations with the most registers (16 float lanes for
  // 1-byte floats, 64-bit elements) and of the copy-only kernel bound every peer kernel.
  int fewest = kPeerBlocksPerSm;
  auto bound = [&](const void* kernel) {
    int resident = 0;
    CB_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, kernel, kThreads, 0));
    fewest = std::min(fewest, resident);
  };
  bound(reinterpret_cast<const void*>(two_shot_kernel<Fp8E4M3, RedOp::kProd>));
  bound(reinterpret_cast<const void*>(one_shot_kernel<Fp8E4M3, RedOp::kProd>));
  bound(reinterpret_cast<const void*>(two_shot_kernel<double, RedOp::kProd>));
  bound(reinterpret_cast<const void*>(all_to_all_kernel));
  return peer_grid_blocks(device::sm_count(), fewest, kPeerBlocksPerSm, ranks_per_gpu);
}

void peer_all_reduce_one_shot(DType dtype, RedOp op, const PeerBuffers& peers, const void* send,
                              void* recv, int64_t count, uint64_t epoch, cudaStream_t stream) {
  check_launch(peers);
  dispatch<LaunchOneShot>(dtype, op, peers, send, recv, count, epoch, stream);
}

void peer_all_reduce_two_shot(DType dtype, RedOp op, const PeerBuffers& peers, const void* send,
                              void* recv, int64_t count, uint64_t epoch, cudaStream_t stream) {
  check_launch(peers);
  dispatch<LaunchTwoShot>(dtype, op, peers, send, recv, count, epoch, stream);
}

void peer_all_to_all(const PeerBuffers& peers, const void* send, void* recv, int64_t block_bytes,
                     uint64_t epoch, cudaStream_t stream) {
  check_launch(peers);
  all_to_all_kernel<<<peers.blocks, kThreads, 0, stream>>>(
      peers, static_cast<const unsigned char*>(send), static_cast<unsigned char*>(recv),
      block_bytes, epoch);
  CB_CUDA(cudaGetLastError());
}

}  // namespace collbench
