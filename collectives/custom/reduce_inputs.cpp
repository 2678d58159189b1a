#include "collectives/custom/reduce_inputs.hpp"

#include <algorithm>
#include <cstring>

#include "kernels/host_reduce.hpp"

namespace collbench {

void reduce_inputs(DType dtype, RedOp op, char* dst, const std::vector<const char*>& inputs,
                   int64_t count, std::size_t piece_bytes) {
  const std::size_t elt = dtype_info(dtype).size;
  if (inputs.size() == 1) {
    if (dst != inputs[0]) std::memcpy(dst, inputs[0], static_cast<std::size_t>(count) * elt);
    return;
  }
  const int64_t piece =
      piece_bytes == 0 ? count : std::max<int64_t>(1, static_cast<int64_t>(piece_bytes / elt));
  for (int64_t lo = 0; lo < count; lo += piece) {
    const int64_t len = std::min(piece, count - lo);
    const std::size_t at = static_cast<std::size_t>(lo) * elt;
    host_reduce3(dtype, op, dst + at, inputs[0] + at, inputs[1] + at, len);
    for (std::size_t k = 2; k < inputs.size(); ++k) {
      host_reduce(dtype, op, dst + at, inputs[k] + at, len);
    }
  }
}

}  // namespace collbench
