#pragma once
// The reduction at the heart of the shared-memory collectives: many inputs into one output.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/dtype.hpp"
#include "core/redop.hpp"

namespace collbench {

// Reduces `inputs` element-wise into `dst` (dst may alias inputs[0], never another input),
// `piece_bytes` of the output at a time so the partial result stays in cache while every input
// is added to it (0: one pass per input over the whole vector, re-reading and re-writing the
// partial result from memory for every input beyond the second).
void reduce_inputs(DType dtype, RedOp op, char* dst, const std::vector<const char*>& inputs,
                   int64_t count, std::size_t piece_bytes);

// Piece size the shared-memory collectives use: whole vectors. Cache-sized pieces move less data
// but measured slower on the CI VM's EPYC (bench_host_kernels' BM_ReduceInputs: 4 inputs of
// 16 MiB, 17.6 GB/s whole against 12.6-15.5 GB/s in 16 KiB-1 MiB pieces; docs/performance.md):
// the hardware prefetchers follow n+1 long streams better than many short ones.
inline constexpr std::size_t kDefaultPieceBytes = 0;

}  // namespace collbench
