// The verification kernels. Every element's value comes from pattern.hpp, the header the host
// checker uses, so host and device agree by construction (tests/gpu holds them to each other).
//
// Speed: a checked 8 GiB buffer must cost milliseconds. An element's pattern position follows
//   position(e) = (base + e * step) mod domain
// (domain = the period P of reduction patterns or the modulus M of data-movement patterns), so a
// thread divides once to find its first position and then only adds and wraps. Small domains
// (every reduction pattern, every 8/16-bit float) are tabulated per block in shared memory by
// element offset, so the inner loop is one shared load and one compare per element; the rest
// convert the position directly. Loads are 16-byte vectors, four in flight per thread.
#include <cmath>
#include <type_traits>

#include "kernels/device_common.cuh"
#include "kernels/device_patterns.hpp"
#include "kernels/pattern_walk.hpp"

namespace collbench {
namespace {

using device::kThreads;

constexpr int64_t kTableLimit = kMaxPeriod;  // 4096 entries of at most 8 bytes: 32 KiB
constexpr int kUnroll = 4;
constexpr int64_t kMaxRunsPerLaunch = 65535;  // gridDim.y

// The computed paths (domains too large for a table) stay out of line: inlined into every unrolled
// lane they multiply compile time for no speed that matters. The pattern goes by value: a
// reference to a kernel parameter would put a copy of it on the stack (ptxas -v: 0 bytes now).
template <typename T>
__device__ __noinline__ T input_at(Pattern p, int64_t position) {
  return element_from_code<T>(input_code_at(p, position));
}

// Expected output at a position (exact ops).
template <typename T>
__device__ __noinline__ T expected_at(Pattern p, bool reduce, int64_t position) {
  return element_from_code<T>(expected_code_at(p, reduce, position));
}

// Compares representations, as the host checker does: -0.0 is not 0.0 and NaN is not a match.
template <typename T>
__device__ bool same_bits(const T& a, const T& b) {
  using Bits = std::conditional_t<
      sizeof(T) == 1, uint8_t,
      std::conditional_t<sizeof(T) == 2, uint16_t,
                         std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>>>;
  static_assert(sizeof(Bits) == sizeof(T));
  Bits x;
  Bits y;
  memcpy(&x, &a, sizeof x);
  memcpy(&y, &b, sizeof y);
  return x == y;
}

// The first position of this thread's unit, and the advance per grid-stride pass (one division
// each, per thread).
struct ThreadWalk {
  int64_t position;
  int64_t unit_jump;  // between this thread's consecutive units (grid stride)
};

template <typename T>
__device__ ThreadWalk start_thread(const PatternWalk& w, int64_t first_unit, int64_t grid_units) {
  constexpr int64_t lanes = device::kLanes<T>;
  return {position_of(w, first_unit * lanes), jump_for(w, grid_units * lanes)};
}

// With a table, a block tabulates its run by element offset: entry i holds the value at
// position_of(w, i), for i < domain + lanes. Values repeat with the domain, so a thread only
// tracks offset mod domain (this walk) and reads entries cursor .. cursor + lanes - 1 without
// wrapping. Without a table the cursor is the pattern position itself.
__device__ PatternWalk cursor_walk(const PatternWalk& w, bool use_table) {
  return use_table ? PatternWalk{0, 1, w.domain} : w;
}

template <typename T>
__global__ void fill_kernel(T* out, int64_t count, Pattern p, PatternWalk w, bool use_table) {
  extern __shared__ __align__(16) unsigned char shared[];
  T* table = reinterpret_cast<T*>(shared);
  constexpr int lanes = device::kLanes<T>;
  if (use_table) {
    int64_t position = position_of(w, threadIdx.x);
    const int64_t jump = jump_for(w, blockDim.x);
    for (int64_t i = threadIdx.x; i < w.domain + lanes; i += blockDim.x) {
      table[i] = input_at<T>(p, position);
      position = wrap_add(position, jump, w.domain);
    }
    __syncthreads();
  }
  const int64_t units = (count + lanes - 1) / lanes;
  const int64_t grid_units = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (first >= units) return;
  const PatternWalk cw = cursor_walk(w, use_table);
  ThreadWalk tw = start_thread<T>(cw, first, grid_units);
  const bool vector_ok = device::aligned16(out);
  for (int64_t u = first; u < units; u += grid_units) {
    const int64_t e0 = u * lanes;
    const int64_t here = count - e0 < lanes ? count - e0 : lanes;
    device::Vec<T> v;
    int64_t pos = tw.position;
#pragma unroll
    for (int k = 0; k < lanes; ++k) {
      if (use_table) {
        v.lane[k] = table[tw.position + k];
      } else {
        v.lane[k] = input_at<T>(p, pos);
        pos = wrap_add(pos, w.step, w.domain);
      }
    }
    if (vector_ok && here == lanes) {
      device::store_vec(out + e0, v);
    } else {
      // Constant lane indices (unrolled, predicated) keep the vector in registers.
#pragma unroll
      for (int k = 0; k < lanes; ++k) {
        if (k < here) out[e0 + k] = v.lane[k];
      }
    }
    tw.position = wrap_add(tw.position, tw.unit_jump, cw.domain);
  }
}

// What a check compares against: exact bits, or avg's tolerance around the exact quotient.
struct CheckRule {
  bool reduce;
  bool avg;
  bool is_float;
  double ulp;  // 2^-mantissa_bits
};

struct CheckArgs {
  int64_t count;
  int64_t run_length;  // elements per run (one run per source block)
  int64_t first_run;
  Pattern p;
  OutputMap map;
  int32_t rank;
  CheckRule rule;
  bool use_table;
  const void* by_position;  // use_table: the expectation at each position, from tabulate_kernel
  unsigned long long* wrong;
};

// The expectation at every position of the domain, once per check: the closed forms cost tens of
// 64-bit divisions each, too many to repeat in every block.
template <typename T>
__global__ void tabulate_kernel(void* table, Pattern p, CheckRule rule, int64_t domain) {
  const int64_t position = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (position >= domain) return;
  if (rule.avg) {
    static_cast<double*>(table)[position] = expected_avg(p, position);
  } else {
    static_cast<T*>(table)[position] = expected_at<T>(p, rule.reduce, position);
  }
}

__device__ __noinline__ double exact_avg(Pattern p, int64_t position) {
  return expected_avg(p, position);
}

template <typename T>
__device__ bool avg_wrong(const T& got, double exact, const CheckRule& r, int32_t nranks) {
  const double value = element_to_double(got);
  if (!r.is_float) return value != trunc(exact);
  const double tolerance = (nranks + 1) * r.ulp * fmax(1.0, fabs(exact));
  return !(fabs(value - exact) <= tolerance);
}

template <typename T>
__global__ void check_kernel(const T* out, CheckArgs a) {
  extern __shared__ __align__(16) unsigned char shared[];
  const int64_t run = a.first_run + blockIdx.y;
  const int64_t start = run * a.run_length;
  const int64_t length = a.count - start < a.run_length ? a.count - start : a.run_length;
  const PatternWalk w = walk_for_output(a.p, output_source(a.map, a.rank, a.p.nranks, start));
  constexpr int lanes = device::kLanes<T>;
  T* table = reinterpret_cast<T*>(shared);
  double* avg_table = reinterpret_cast<double*>(shared);
  if (a.use_table) {
    // Reorder the position table by this run's element offsets; positions advance by addition.
    int64_t position = position_of(w, threadIdx.x);
    const int64_t jump = jump_for(w, blockDim.x);
    for (int64_t i = threadIdx.x; i < w.domain + lanes; i += blockDim.x) {
      if (a.rule.avg) {
        avg_table[i] = static_cast<const double*>(a.by_position)[position];
      } else {
        table[i] = static_cast<const T*>(a.by_position)[position];
      }
      position = wrap_add(position, jump, w.domain);
    }
    __syncthreads();
  }
  const T* data = out + start;
  const int64_t units = (length + lanes - 1) / lanes;
  const int64_t grid_units = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (first >= units) return;
  const PatternWalk cw = cursor_walk(w, a.use_table);
  ThreadWalk tw = start_thread<T>(cw, first, grid_units);
  const bool vector_ok = device::aligned16(data);
  unsigned long long wrong = 0;
  for (int64_t u0 = first; u0 < units; u0 += grid_units * kUnroll) {
    // Issue up to kUnroll independent 16-byte loads before comparing any of them.
    device::Vec<T> v[kUnroll];
    int64_t pos[kUnroll];
#pragma unroll
    for (int r = 0; r < kUnroll; ++r) {
      const int64_t u = u0 + r * grid_units;
      pos[r] = tw.position;
      tw.position = wrap_add(tw.position, tw.unit_jump, cw.domain);
      if (u >= units) continue;
      const int64_t e0 = u * lanes;
      if (vector_ok && length - e0 >= lanes) {
        v[r] = device::load_vec(data + e0);
      } else {
#pragma unroll
        for (int k = 0; k < lanes; ++k) {
          if (e0 + k < length) v[r].lane[k] = data[e0 + k];
        }
      }
    }
#pragma unroll
    for (int r = 0; r < kUnroll; ++r) {
      const int64_t u = u0 + r * grid_units;
      if (u >= units) break;
      const int64_t e0 = u * lanes;
      const int here = length - e0 < lanes ? static_cast<int>(length - e0) : lanes;
      const int64_t cursor = pos[r];
      int64_t position = pos[r];  // the computed path steps through pattern positions
#pragma unroll
      for (int k = 0; k < lanes; ++k) {
        if (k < here) {
          if (a.rule.avg) {
            const double exact = a.use_table ? avg_table[cursor + k] : exact_avg(a.p, position);
            wrong += avg_wrong(v[r].lane[k], exact, a.rule, a.p.nranks);
          } else {
            const T want =
                a.use_table ? table[cursor + k] : expected_at<T>(a.p, a.rule.reduce, position);
            wrong += !same_bits(v[r].lane[k], want);
          }
        }
        if (!a.use_table) position = wrap_add(position, w.step, w.domain);
      }
    }
  }
  // Correct data (the usual case) costs no atomics at all.
  if (wrong != 0) atomicAdd(a.wrong, wrong);
}

// Entries for offsets 0 .. domain + 16 (the widest vector's lanes), or 0: no table.
int64_t table_bytes(int64_t domain, std::size_t entry) {
  return domain <= kTableLimit ? (domain + device::kVectorBytes) * static_cast<int64_t>(entry) : 0;
}

}  // namespace

void device_fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern,
                       int32_t rank, cudaStream_t stream, int64_t index_base) {
  if (count <= 0) return;
  for_dtype(dtype, [&]<typename T>() {
    const PatternWalk w = walk_for_input(pattern, rank, index_base);
    const int64_t shared = table_bytes(w.domain, sizeof(T));
    const int64_t units = (count + device::kLanes<T> - 1) / device::kLanes<T>;
    const unsigned grid =
        device::grid_for(units, int64_t{device::sm_count()} * device::kBlocksPerSm);
    fill_kernel<T><<<grid, kThreads, static_cast<std::size_t>(shared), stream>>>(
        static_cast<T*>(buffer), count, pattern, w, shared > 0);
    CB_CUDA(cudaGetLastError());
  });
}

void device_poison(void* buffer, std::size_t bytes, cudaStream_t stream) {
  if (bytes > 0) CB_CUDA(cudaMemsetAsync(buffer, 0xff, bytes, stream));
}

void device_count_wrong_async(DType dtype, const void* buffer, int64_t count,
                              const Pattern& pattern, const OutputMap& map, int32_t rank,
                              void* scratch, cudaStream_t stream) {
  auto* counter = static_cast<unsigned long long*>(scratch);
  void* by_position = static_cast<char*>(scratch) + 256;
  CB_CUDA(cudaMemsetAsync(counter, 0, sizeof *counter, stream));
  if (count <= 0) return;
  const DTypeInfo& info = dtype_info(dtype);
  const CheckRule rule{map.reduce, map.reduce && pattern.op == RedOp::kAvg, info.is_float,
                       std::ldexp(1.0, -info.mantissa_bits)};
  for_dtype(dtype, [&]<typename T>() {
    const int64_t run_length = map.block > 0 ? map.block : count;
    const int64_t runs = (count + run_length - 1) / run_length;
    // Every run of a launch shares the domain, so the table size is known here.
    const int64_t domain = pattern.kind == PatternKind::kMove ? pattern.modulus : pattern.period;
    const int64_t shared = table_bytes(domain, rule.avg ? sizeof(double) : sizeof(T));
    const int64_t units = (run_length + device::kLanes<T> - 1) / device::kLanes<T>;
    const int64_t budget = int64_t{device::sm_count()} * device::kBlocksPerSm;
    if (shared > 0) {
      const auto blocks = static_cast<unsigned>((domain + kThreads - 1) / kThreads);
      tabulate_kernel<T><<<blocks, kThreads, 0, stream>>>(by_position, pattern, rule, domain);
      CB_CUDA(cudaGetLastError());
    }
    for (int64_t first = 0; first < runs; first += kMaxRunsPerLaunch) {
      const int64_t here = runs - first < kMaxRunsPerLaunch ? runs - first : kMaxRunsPerLaunch;
      const dim3 grid(device::grid_for(units, budget / here), static_cast<unsigned>(here));
      const CheckArgs args{count, run_length, first,      pattern,     map,
                           rank,  rule,       shared > 0, by_position, counter};
      check_kernel<T><<<grid, kThreads, static_cast<std::size_t>(shared), stream>>>(
          static_cast<const T*>(buffer), args);
      CB_CUDA(cudaGetLastError());
    }
  });
}

int64_t device_count_wrong(DType dtype, const void* buffer, int64_t count, const Pattern& pattern,
                           const OutputMap& map, int32_t rank, void* scratch,
                           unsigned long long* host_result, cudaStream_t stream) {
  device_count_wrong_async(dtype, buffer, count, pattern, map, rank, scratch, stream);
  CB_CUDA(
      cudaMemcpyAsync(host_result, scratch, sizeof *host_result, cudaMemcpyDeviceToHost, stream));
  CB_CUDA(cudaStreamSynchronize(stream));
  return static_cast<int64_t>(*host_result);
}

}  // namespace collbench
