#pragma once
// Element-wise device reductions on `stream` of the current device, 16-byte vectorised: the
// building blocks of collbench's own collectives. Every dtype x op; avg is a sum followed by
// device_finish_avg(), as in host_reduce.hpp.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"
#include "core/redop.hpp"

namespace collbench {

// out[i] = a[i] (op) b[i]; out may alias a or b.
void device_reduce3(DType dtype, RedOp op, void* out, const void* a, const void* b, int64_t count,
                    cudaStream_t stream);

// Turns a sum into an average: integers truncate, floats divide in float or double.
void device_finish_avg(DType dtype, void* inout, int64_t count, int32_t nranks,
                       cudaStream_t stream);

// A copy by SM loads and stores (not the copy engine): the baseline the kernels are held to.
void device_sm_copy(void* dst, const void* src, std::size_t bytes, cudaStream_t stream);

}  // namespace collbench
