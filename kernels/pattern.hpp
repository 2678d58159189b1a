#pragma once
// The data patterns behind verification, shared by the host checker and the device kernels.
//
// Every input element is a small non-negative integer `code` that the element type holds exactly.
// Reductions are chosen so that every partial result is also exact, so the expected output is
// known in closed form whatever order a library reduces in:
//   sum, avg  dense: code = (index + rank) mod P with n*(P-1) <= limit; sparse (n > limit):
//             code = 1 where (index + rank) mod P == 0, else 0, with at most `limit` ones.
//   prod      code = 2 where (index + rank) mod P == 0, else 1, at most log2(limit) twos.
//   max, min  code = (index + rank) mod P.
// Data-movement collectives use code = (37*rank + 11*index + 1) mod M, M = limit + 1, so every
// element says which rank and index it came from (up to the modulus).
// All-ones bytes are never a valid code (codes are >= 0 and below the unsigned maximum), so
// outputs are poisoned with 0xff bytes before a checked run.
#include <cstdint>

#include "core/host_device.hpp"
#include "core/redop.hpp"

namespace collbench {

enum class PatternKind : uint8_t { kMove, kReduce };

struct Pattern {
  PatternKind kind;
  RedOp op;
  bool sparse;  // sum/avg with more ranks than the type's exact limit
  int32_t nranks;
  int64_t period;   // P for reductions
  int64_t modulus;  // M for data movement
};

inline constexpr int64_t kMaxPeriod = 4096;
inline constexpr int64_t kMoveRankStride = 37;
inline constexpr int64_t kMoveIndexStride = 11;

CB_HD int64_t floor_log2(int64_t x) {
  int64_t r = 0;
  while (x > 1) {
    x >>= 1;
    ++r;
  }
  return r;
}

CB_HD Pattern make_pattern(PatternKind kind, RedOp op, int32_t nranks, int64_t exact_limit) {
  Pattern p{kind, op, false, nranks, 1, exact_limit + 1};
  if (kind == PatternKind::kMove) return p;
  const int64_t n = nranks > 0 ? nranks : 1;
  switch (op) {
    case RedOp::kSum:
    case RedOp::kAvg:
      if (exact_limit / n >= 1) {
        p.period = exact_limit / n + 1;
        if (p.period > kMaxPeriod) p.period = kMaxPeriod;
      } else {
        p.sparse = true;
        p.period = (n + exact_limit - 1) / exact_limit;
      }
      break;
    case RedOp::kProd: {
      const int64_t max_twos = floor_log2(exact_limit);
      p.period = (n + max_twos - 1) / max_twos;
      if (p.period < 2) p.period = 2;
      break;
    }
    case RedOp::kMax:
    case RedOp::kMin:
      p.period = exact_limit + 1 < kMaxPeriod ? exact_limit + 1 : kMaxPeriod;
      break;
  }
  return p;
}

CB_HD int64_t positive_mod(int64_t a, int64_t m) {
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

// The input element `index` of `rank`.
CB_HD int64_t input_code(const Pattern& p, int64_t rank, int64_t index) {
  if (p.kind == PatternKind::kMove) {
    return positive_mod(kMoveRankStride * rank + kMoveIndexStride * index + 1, p.modulus);
  }
  const int64_t k = (index + rank) % p.period;
  switch (p.op) {
    case RedOp::kSum:
    case RedOp::kAvg:
      return p.sparse ? (k == 0 ? 1 : 0) : k;
    case RedOp::kProd:
      return k == 0 ? 2 : 1;
    case RedOp::kMax:
    case RedOp::kMin:
      return k;
  }
  return k;
}

// Sum over r in [0, n) of (a + r) mod P, for 0 <= a < P.
CB_HD int64_t sum_of_residues(int64_t a, int64_t n, int64_t period) {
  const int64_t full = n / period;
  const int64_t rem = n % period;
  int64_t total = full * (period * (period - 1) / 2);
  if (a + rem <= period) {
    total += rem * a + rem * (rem - 1) / 2;
  } else {
    const int64_t tail = period - a;        // a .. P-1
    const int64_t head = a + rem - period;  // 0 .. head-1
    total += tail * (a + period - 1) / 2 + head * (head - 1) / 2;
  }
  return total;
}

// Number of r in [0, n) with (a + r) mod P == 0, for 0 <= a < P.
CB_HD int64_t count_zero_residues(int64_t a, int64_t n, int64_t period) {
  const int64_t first = (period - a) % period;
  return first >= n ? 0 : 1 + (n - 1 - first) / period;
}

// The exact reduction over all ranks of element `index`. For avg this is the sum: the caller
// divides by the rank count in the element type's own rules (see expected_avg()).
CB_HD int64_t reduced_code(const Pattern& p, int64_t index) {
  const int64_t n = p.nranks;
  const int64_t a = index % p.period;
  const bool wraps = a + n - 1 >= p.period;
  switch (p.op) {
    case RedOp::kSum:
    case RedOp::kAvg:
      return p.sparse ? count_zero_residues(a, n, p.period) : sum_of_residues(a, n, p.period);
    case RedOp::kProd:
      return int64_t{1} << count_zero_residues(a, n, p.period);
    case RedOp::kMax:
      return wraps ? p.period - 1 : a + n - 1;
    case RedOp::kMin:
      return wraps ? 0 : a;
  }
  return 0;
}

// Where output element j of a rank comes from.
enum class SourceRank : uint8_t { kFixed, kBlock, kShift };

struct OutputMap {
  bool reduce;           // output is the reduction of every rank's input at the source index
  SourceRank rank_rule;  // for data movement: which rank's input
  int32_t rank_value;    // kFixed: that rank; kShift: (my rank + value) mod n
  int64_t block;         // elements per block (kBlock: source rank = j / block); 0 = one block
  int64_t index_offset;  // added to the element's index inside its block
};

struct Source {
  int64_t rank;
  int64_t index;
};

CB_HD Source output_source(const OutputMap& m, int32_t my_rank, int32_t nranks, int64_t j) {
  const int64_t blk = m.block > 0 ? j / m.block : 0;
  const int64_t within = m.block > 0 ? j % m.block : j;
  int64_t rank = m.rank_value;
  if (m.rank_rule == SourceRank::kBlock) rank = blk;
  if (m.rank_rule == SourceRank::kShift) rank = positive_mod(my_rank + m.rank_value, nranks);
  return {rank, within + m.index_offset};
}

// The expected code of output element j (exact ops; avg is checked by expected_avg()).
CB_HD int64_t expected_code(const Pattern& p, const OutputMap& m, int32_t my_rank, int64_t j) {
  const Source s = output_source(m, my_rank, p.nranks, j);
  return m.reduce ? reduced_code(p, s.index) : input_code(p, s.rank, s.index);
}

// avg: integer types divide the exact sum with truncation; floating types compare against the
// exact quotient within (n + 1) units in the last place of the type (see docs/verification.md).
CB_HD double expected_avg(const Pattern& p, int64_t index) {
  return static_cast<double>(reduced_code(p, index)) / static_cast<double>(p.nranks);
}

}  // namespace collbench
