#pragma once
// Element-wise host reductions: inout[i] = inout[i] (op) in[i]. Used by the MPI backend's
// user-defined operators (half, bfloat16, fp8), the host custom collectives and bench/.
#include <cstdint>

#include "core/dtype.hpp"
#include "core/redop.hpp"

namespace collbench {

void host_reduce(DType dtype, RedOp op, void* inout, const void* in, int64_t count);

// out[i] = a[i] (op) b[i]; out may alias a or b.
void host_reduce3(DType dtype, RedOp op, void* out, const void* a, const void* b, int64_t count);

// Turns a sum into an average: integers truncate, floats divide in float or double.
void host_finish_avg(DType dtype, void* inout, int64_t count, int32_t nranks);

}  // namespace collbench
