#pragma once
// Host-side fill, poison and check over the shared patterns (pattern.hpp). The device versions
// (kernels/device_patterns.cuh) compute the same codes; tests hold both to these loops.
#include <cstddef>
#include <cstdint>

#include "core/dtype.hpp"
#include "kernels/pattern.hpp"

namespace collbench {

// Writes input elements [0, count) of `rank`, element j holding index index_base + j.
void host_fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern, int32_t rank,
                     int64_t index_base = 0);

// Fills with 0xff bytes, a value no pattern produces.
void host_poison(void* buffer, std::size_t bytes);

// Counts output elements [0, count) of `rank` that differ from the expectation.
int64_t host_count_wrong(DType dtype, const void* buffer, int64_t count, const Pattern& pattern,
                         const OutputMap& map, int32_t rank);

}  // namespace collbench
