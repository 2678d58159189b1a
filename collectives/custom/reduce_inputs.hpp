#pragma once
// The reduction at the heart of the shared-memory collectives: many inputs into one output.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/dtype.hpp"
#include "kernels/redop.hpp"

namespace collbench {

// Reduces `inputs` element-wise into `dst` (dst may alias inputs[0], never another input),
// `piece_bytes` of the output at a time so the partial result stays in cache while every input
// is added to it (0: one pass per input over the whole vector, re-reading and re-writing the
// partial result from memory for every input beyond the second).
void reduce_inputs(DType dtype, RedOp op, char* dst, const std::vector<const char*>& inputs,
                   int64_t count, std::size_t piece_bytes);

// Piece size for reduce_inputs, chosen with bench_host_kernels' BM_ReduceInputs
// (docs/performance.md): small enough for a per-core L2 cache with the inputs' lines streaming by.
inline constexpr std::size_t kDefaultPieceBytes = 64 * 1024;

}  // namespace collbench
