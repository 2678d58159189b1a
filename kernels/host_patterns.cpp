#include "kernels/host_patterns.hpp"

#include <cmath>
#include <cstring>
#include <vector>

namespace collbench {
namespace {

template <typename T>
bool same_bits(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Produces the expected elements of a run of consecutive source indices of one source rank, in
// chunks, so the checker compares with memcmp and only counts element by element inside a chunk
// that differs. Reduction expectations repeat with the period P: one table of P + kChunk
// elements serves every chunk start. Move codes step by a constant modulo M.
template <typename T>
class ExpectationWalker {
 public:
  static constexpr int64_t kChunk = 4096;

  ExpectationWalker(const Pattern& pattern, bool reduce) : pattern_(pattern), reduce_(reduce) {
    if (reduce_) {
      table_.resize(static_cast<std::size_t>(pattern.period + kChunk));
      for (std::size_t i = 0; i < table_.size(); ++i) {
        table_[i] =
            element_from_code<T>(reduced_code(pattern, static_cast<int64_t>(i) % pattern.period));
      }
    } else {
      scratch_.resize(kChunk);
    }
  }

  // Calls chunk(offset, expected, length) for consecutive pieces of [0, length).
  template <typename Chunk>
  void walk(int64_t src_rank, int64_t first_index, int64_t length, Chunk&& chunk) {
    if (reduce_) {
      const int64_t a = first_index % pattern_.period;
      // Pieces of a whole number of periods (or kChunk when P is larger) start the next piece at
      // the same table offset; the table holds P + kChunk elements so any piece is contiguous.
      const int64_t piece =
          pattern_.period <= kChunk ? kChunk / pattern_.period * pattern_.period : kChunk;
      int64_t offset = a;
      for (int64_t j = 0; j < length; j += piece) {
        const int64_t n = std::min(piece, length - j);
        chunk(j, table_.data() + offset, n);
        offset = (offset + n) % pattern_.period;
      }
      return;
    }
    int64_t code = input_code(pattern_, src_rank, first_index);
    const int64_t step = kMoveIndexStride % pattern_.modulus;
    for (int64_t j = 0; j < length; j += kChunk) {
      const int64_t n = std::min(kChunk, length - j);
      for (int64_t k = 0; k < n; ++k) {
        scratch_[static_cast<std::size_t>(k)] = element_from_code<T>(code);
        code += step;
        if (code >= pattern_.modulus) code -= pattern_.modulus;
      }
      chunk(j, scratch_.data(), n);
    }
  }

 private:
  Pattern pattern_;
  bool reduce_;
  std::vector<T> table_;
  std::vector<T> scratch_;
};

// Splits the output into runs that share a source rank and have consecutive source indices.
template <typename Run>
void for_each_run(const OutputMap& map, int32_t rank, int32_t nranks, int64_t count, Run&& run) {
  const int64_t block = map.block > 0 ? map.block : count;
  for (int64_t start = 0; start < count; start += block) {
    const int64_t length = std::min(block, count - start);
    const Source s = output_source(map, rank, nranks, start);
    run(start, s.rank, s.index, length);
  }
}

template <typename T>
int64_t count_wrong_avg(const T* out, int64_t count, const Pattern& pattern, const OutputMap& map,
                        int32_t rank, const DTypeInfo& info) {
  int64_t wrong = 0;
  const double ulp = std::ldexp(1.0, -info.mantissa_bits);
  for (int64_t j = 0; j < count; ++j) {
    const Source s = output_source(map, rank, pattern.nranks, j);
    const double exact = expected_avg(pattern, s.index);
    const double got = element_to_double(out[j]);
    if (!info.is_float) {
      wrong += got != std::trunc(exact);
    } else {
      const double tolerance = (pattern.nranks + 1) * ulp * std::max(1.0, std::fabs(exact));
      wrong += !(std::fabs(got - exact) <= tolerance);
    }
  }
  return wrong;
}

}  // namespace

void host_fill_input(DType dtype, void* buffer, int64_t count, const Pattern& pattern, int32_t rank,
                     int64_t index_base) {
  for_dtype(dtype, [&]<typename T>() {
    T* out = static_cast<T*>(buffer);
    if (pattern.kind == PatternKind::kMove) {
      ExpectationWalker<T>(pattern, false)
          .walk(rank, index_base, count, [&](int64_t j, const T* values, int64_t n) {
            std::memcpy(out + j, values, static_cast<std::size_t>(n) * sizeof(T));
          });
      return;
    }
    // Reduction inputs repeat with the period: build one period, then copy it along.
    std::vector<T> period(static_cast<std::size_t>(pattern.period));
    for (int64_t k = 0; k < pattern.period; ++k) {
      period[static_cast<std::size_t>(k)] = element_from_code<T>(input_code(pattern, rank, k));
    }
    int64_t k = index_base % pattern.period;
    int64_t j = 0;
    while (j < count) {
      const int64_t run = std::min(pattern.period - k, count - j);
      std::memcpy(out + j, period.data() + k, static_cast<std::size_t>(run) * sizeof(T));
      j += run;
      k = 0;
    }
  });
}

void host_poison(void* buffer, std::size_t bytes) {
  std::memset(buffer, 0xff, bytes);
}

int64_t host_count_wrong(DType dtype, const void* buffer, int64_t count, const Pattern& pattern,
                         const OutputMap& map, int32_t rank) {
  return for_dtype(dtype, [&]<typename T>() -> int64_t {
    const T* out = static_cast<const T*>(buffer);
    if (map.reduce && pattern.op == RedOp::kAvg) {
      return count_wrong_avg(out, count, pattern, map, rank, dtype_info(dtype));
    }
    ExpectationWalker<T> walker(pattern, map.reduce);
    int64_t wrong = 0;
    for_each_run(map, rank, pattern.nranks, count,
                 [&](int64_t start, int64_t src_rank, int64_t first_index, int64_t length) {
                   const T* run = out + start;
                   walker.walk(src_rank, first_index, length,
                               [&](int64_t j, const T* want, int64_t n) {
                                 const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(T);
                                 if (std::memcmp(run + j, want, bytes) == 0) return;
                                 for (int64_t k = 0; k < n; ++k) {
                                   wrong += !same_bits(run[j + k], want[k]);
                                 }
                               });
                 });
    return wrong;
  });
}

}  // namespace collbench
