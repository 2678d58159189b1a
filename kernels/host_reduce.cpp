#include "kernels/host_reduce.hpp"

#include <type_traits>

namespace collbench {
namespace {

// Narrow floats are combined in float; everything else in its own type so integer wraparound and
// double precision behave as the libraries' do.
template <typename T>
using AccumulatorOf = std::conditional_t<std::is_arithmetic_v<T>, T, float>;

template <typename T, RedOp kOp>
void reduce_loop(T* __restrict out, const T* a, const T* __restrict b, int64_t count) {
  using Acc = AccumulatorOf<T>;
  for (int64_t i = 0; i < count; ++i) {
    const Acc x = static_cast<Acc>(a[i]);
    const Acc y = static_cast<Acc>(b[i]);
    out[i] = static_cast<T>(apply_redop<T, Acc>(kOp, x, y));
  }
}

template <typename T>
void reduce_typed(RedOp op, T* out, const T* a, const T* b, int64_t count) {
  // The op is a template argument so each loop is a straight, vectorisable one.
  switch (op) {
    case RedOp::kSum:
    case RedOp::kAvg:
      return reduce_loop<T, RedOp::kSum>(out, a, b, count);
    case RedOp::kProd:
      return reduce_loop<T, RedOp::kProd>(out, a, b, count);
    case RedOp::kMax:
      return reduce_loop<T, RedOp::kMax>(out, a, b, count);
    case RedOp::kMin:
      return reduce_loop<T, RedOp::kMin>(out, a, b, count);
  }
}

}  // namespace

void host_reduce3(DType dtype, RedOp op, void* out, const void* a, const void* b, int64_t count) {
  for_dtype(dtype, [&]<typename T>() {
    reduce_typed<T>(op, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b),
                    count);
  });
}

void host_reduce(DType dtype, RedOp op, void* inout, const void* in, int64_t count) {
  host_reduce3(dtype, op, inout, inout, in, count);
}

void host_finish_avg(DType dtype, void* inout, int64_t count, int32_t nranks) {
  for_dtype(dtype, [&]<typename T>() {
    using Acc = AccumulatorOf<T>;
    T* data = static_cast<T*>(inout);
    for (int64_t i = 0; i < count; ++i) {
      data[i] = static_cast<T>(static_cast<Acc>(data[i]) / static_cast<Acc>(nranks));
    }
  });
}

}  // namespace collbench
