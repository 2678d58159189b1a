#pragma once
// How the device kernels walk a pattern without dividing per element (host- and device-usable, so
// tests/unit can hold the walk to pattern.hpp's closed forms on any machine).
//
// The element at offset e of a run has pattern position (base + e * step) mod domain, where the
// domain is the period P of reduction patterns or the modulus M of data-movement patterns:
//   data movement: position = input code  = (37*rank + 11*index + 1) mod M, step 11 mod M
//   reduction in:  position = (index + rank) mod P, step 1; code = input_code(p, position, 0)
//   reduction out: position = index mod P, step 1;          code = reduced_code(p, position)
// A thread divides once for its first position, then only adds and wraps.
#include <cstdint>

#include "kernels/pattern.hpp"

namespace collbench {

struct PatternWalk {
  int64_t base;    // position of element 0 of the run
  int64_t step;    // per element, < domain
  int64_t domain;  // P or M
};

CB_HD int64_t wrap_add(int64_t position, int64_t by, int64_t domain) {
  position += by;
  return position >= domain ? position - domain : position;
}

// Input elements of `rank` starting at `first_index`.
CB_HD PatternWalk walk_for_input(const Pattern& p, int64_t rank, int64_t first_index) {
  if (p.kind == PatternKind::kMove) {
    return {input_code(p, rank, first_index), kMoveIndexStride % p.modulus, p.modulus};
  }
  return {positive_mod(first_index + rank, p.period), 1 % p.period, p.period};
}

// Output elements whose first element comes from `s` (see output_source()).
CB_HD PatternWalk walk_for_output(const Pattern& p, const Source& s) {
  if (p.kind == PatternKind::kMove) return walk_for_input(p, s.rank, s.index);
  return {positive_mod(s.index, p.period), 1 % p.period, p.period};
}

// The input code at a position.
CB_HD int64_t input_code_at(const Pattern& p, int64_t position) {
  return p.kind == PatternKind::kMove ? position : input_code(p, position, 0);
}

// The expected output code at a position (exact ops).
CB_HD int64_t expected_code_at(const Pattern& p, bool reduce, int64_t position) {
  return reduce ? reduced_code(p, position) : position;
}

// Position of element `first` of a run, and the advance between elements `stride` apart.
CB_HD int64_t position_of(const PatternWalk& w, int64_t element) {
  return (w.base + (element % w.domain) * w.step) % w.domain;
}
CB_HD int64_t jump_for(const PatternWalk& w, int64_t stride_elements) {
  return (stride_elements % w.domain) * w.step % w.domain;
}

}  // namespace collbench
