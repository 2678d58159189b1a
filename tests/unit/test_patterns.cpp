// Every pattern / expectation pair for every collective x datatype x reduction: inputs are built
// for all ranks, the collective is simulated with the element type's own arithmetic in several
// reduction orders, and the checker must find zero wrong elements, and exactly one after a
// single element is corrupted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "collectives/collective.hpp"
#include "kernels/host_patterns.hpp"
#include "kernels/host_reduce.hpp"

namespace collbench {
namespace {

using Bytes = std::vector<unsigned char>;

struct Case {
  Collective collective;
  DType dtype;
  RedOp op;
  int nranks;
};

// The collective's outputs on every rank, computed from the inputs as a library would.
std::vector<Bytes> simulate(const CollectiveSpec& spec, const BufferLayout& l, DType dtype,
                            RedOp op, int n, int root, const std::vector<Bytes>& in,
                            std::mt19937& rng) {
  const std::size_t elt = dtype_info(dtype).size;
  std::vector<Bytes> out(n, Bytes(static_cast<std::size_t>(l.recv_count) * elt, 0xff));
  auto reduce_all = [&](int64_t offset, int64_t count) {
    // Reduce the ranks in a random order: exact patterns must not care.
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    Bytes acc(in[order[0]].begin() + offset * elt, in[order[0]].begin() + (offset + count) * elt);
    for (int i = 1; i < n; ++i) {
      host_reduce(dtype, op, acc.data(), in[order[i]].data() + offset * elt, count);
    }
    if (op == RedOp::kAvg) host_finish_avg(dtype, acc.data(), count, n);
    return acc;
  };
  const int64_t base = l.param_count;
  Bytes reduced;  // all_reduce and reduce: computed once, not once per rank
  if (spec.id == Collective::kAllReduce || spec.id == Collective::kReduce) {
    reduced = reduce_all(0, l.recv_count);
  }
  for (int r = 0; r < n; ++r) {
    switch (spec.id) {
      case Collective::kAllReduce:
        out[r] = reduced;
        break;
      case Collective::kReduce:
        if (r == root) out[r] = reduced;
        break;
      case Collective::kReduceScatter:
        out[r] = reduce_all(base * r, base);
        break;
      case Collective::kAllGather:
        for (int s = 0; s < n; ++s) std::memcpy(&out[r][s * base * elt], in[s].data(), base * elt);
        break;
      case Collective::kAllToAll:
        for (int s = 0; s < n; ++s) {
          std::memcpy(&out[r][s * base * elt], &in[s][r * base * elt], base * elt);
        }
        break;
      case Collective::kBroadcast:
        if (r != root) out[r] = in[root];
        break;
      case Collective::kSendRecv:
        out[r] = in[(r - 1 + n) % n];
        break;
    }
  }
  return out;
}

void check_case(const Case& c, int64_t count, std::mt19937& rng) {
  const CollectiveSpec& spec = collective_spec(c.collective);
  const DTypeInfo& info = dtype_info(c.dtype);
  const int root = spec.uses_root ? c.nranks - 1 : -1;
  const BufferLayout layout = spec.layout(count, info.size, c.nranks);
  if (layout.param_count == 0) return;
  const Pattern pattern = input_pattern(spec, c.op, c.nranks, info.exact_limit);
  std::vector<Bytes> inputs(c.nranks,
                            Bytes(static_cast<std::size_t>(layout.send_count) * info.size));
  for (int r = 0; r < c.nranks; ++r) {
    host_fill_input(c.dtype, inputs[r].data(), layout.send_count, pattern, r);
  }
  std::vector<Bytes> outputs = simulate(spec, layout, c.dtype, c.op, c.nranks, root, inputs, rng);
  for (int r = 0; r < c.nranks; ++r) {
    const OutputCheck check =
        output_check(spec, layout, r, c.nranks, std::max(root, 0), std::nullopt);
    const unsigned char* data = outputs[r].data() + check.offset * info.size;
    ASSERT_EQ(host_count_wrong(c.dtype, data, check.count, pattern, check.map, r), 0)
        << spec.name << " " << info.name << " " << redop_info(c.op).name << " n=" << c.nranks
        << " rank " << r;
    if (check.count == 0) continue;
    // One corrupted element must be found, wherever it is.
    const int64_t victim = static_cast<int64_t>(rng() % check.count);
    // Flip a high bit (an exponent bit of floats): avg compares floats within a tolerance, so a
    // last-place flip could legitimately pass.
    outputs[r][(check.offset + victim + 1) * info.size - 1] ^= 0x40;
    ASSERT_EQ(host_count_wrong(c.dtype, data, check.count, pattern, check.map, r), 1)
        << spec.name << " " << info.name << " n=" << c.nranks << " victim " << victim;
  }
}

TEST(Patterns, EveryCollectiveDatatypeAndReductionVerifies) {
  std::mt19937 rng(12345);
  for (const CollectiveSpec& spec : all_collectives()) {
    for (const DTypeInfo& info : all_dtypes()) {
      for (const RedOpInfo& op : all_redops()) {
        if (!spec.uses_op && op.id != RedOp::kSum) continue;
        for (int n : {1, 2, 3, 4, 5, 8}) {
          check_case({spec.id, info.id, op.id, n}, 4099, rng);
        }
      }
    }
  }
}

// More ranks than the narrow types' exact limits: the sparse and prod patterns take over.
TEST(Patterns, ManyRanksStayExact) {
  std::mt19937 rng(7);
  for (DType dtype :
       {DType::kFp8E5M2, DType::kFp8E4M3, DType::kBFloat16, DType::kInt8, DType::kHalf}) {
    for (RedOp op : {RedOp::kSum, RedOp::kProd, RedOp::kMax, RedOp::kMin}) {
      for (int n : {17, 100, 300, 2500}) {
        check_case({Collective::kAllReduce, dtype, op, n}, 512, rng);
      }
    }
  }
}

TEST(Patterns, ClosedFormsMatchBruteForce) {
  for (int64_t period : {1, 2, 3, 7, 64}) {
    for (int64_t a = 0; a < period; ++a) {
      for (int64_t n = 0; n < 3 * period + 2; ++n) {
        int64_t sum = 0;
        int64_t zeros = 0;
        for (int64_t r = 0; r < n; ++r) {
          sum += (a + r) % period;
          zeros += (a + r) % period == 0;
        }
        ASSERT_EQ(sum_of_residues(a, n, period), sum) << a << " " << n << " " << period;
        ASSERT_EQ(count_zero_residues(a, n, period), zeros) << a << " " << n << " " << period;
      }
    }
  }
}

TEST(Patterns, PartialSumsStayWithinTheExactLimit) {
  for (const DTypeInfo& info : all_dtypes()) {
    for (int n : {1, 2, 3, 9, 33, 257, 4097, 100000}) {
      const Pattern p = make_pattern(PatternKind::kReduce, RedOp::kSum, n, info.exact_limit);
      int64_t worst = 0;
      for (int64_t g = 0; g < std::min<int64_t>(p.period, 64); ++g) {
        worst = std::max(worst, reduced_code(p, g));
      }
      EXPECT_LE(worst, info.exact_limit) << info.name << " n=" << n;
      const Pattern prod = make_pattern(PatternKind::kReduce, RedOp::kProd, n, info.exact_limit);
      for (int64_t g = 0; g < prod.period; ++g) EXPECT_LE(reduced_code(prod, g), info.exact_limit);
    }
  }
}

TEST(Patterns, PoisonIsNeverAnExpectedValue) {
  for (const DTypeInfo& info : all_dtypes()) {
    const Pattern p = make_pattern(PatternKind::kMove, RedOp::kSum, 4, info.exact_limit);
    for_dtype(info.id, [&]<typename T>() {
      T poison;
      std::memset(&poison, 0xff, sizeof poison);
      for (int64_t code = 0; code < std::min<int64_t>(p.modulus, 1 << 16); ++code) {
        const T value = element_from_code<T>(code);
        ASSERT_NE(std::memcmp(&value, &poison, sizeof(T)), 0) << info.name << " " << code;
      }
    });
  }
}

}  // namespace
}  // namespace collbench
