// The device kernels never evaluate pattern.hpp's closed forms per element: they walk positions
// (kernels/pattern_walk.hpp). These host tests hold that walk, with the kernels' own grid-stride
// arithmetic, to the closed forms and to the host checker, so a wrong walk fails on any machine.
#include <gtest/gtest.h>

#include <vector>

#include "collectives/collective.hpp"
#include "core/dtype.hpp"
#include "kernels/host_patterns.hpp"
#include "kernels/pattern_walk.hpp"

namespace collbench {
namespace {

// Every element visited the way a kernel thread visits it: `lanes` consecutive elements per unit,
// units `grid_units` apart, the cursor advanced by wrap_add only. Computed path: the cursor is the
// pattern position, stepped per element. Table path (small domains): a table of domain + lanes
// codes by element offset, the cursor is offset mod domain, lanes read without wrapping.
std::vector<int64_t> walk_codes(const Pattern& p, const PatternWalk& w, int64_t count, int lanes,
                                int64_t grid_units, bool input, bool reduce, bool tabulate) {
  auto code_at = [&](int64_t position) {
    return input ? input_code_at(p, position) : expected_code_at(p, reduce, position);
  };
  // Built as a block builds it: thread t fills entries t, t + B, ... stepping its position.
  constexpr int64_t kBlock = 256;
  std::vector<int64_t> table(tabulate ? static_cast<std::size_t>(w.domain + lanes) : 0);
  for (int64_t t = 0; t < kBlock && tabulate; ++t) {
    int64_t position = position_of(w, t);
    for (int64_t i = t; i < w.domain + lanes; i += kBlock) {
      table[static_cast<std::size_t>(i)] = code_at(position);
      position = wrap_add(position, jump_for(w, kBlock), w.domain);
    }
  }
  const PatternWalk cursor = tabulate ? PatternWalk{0, 1, w.domain} : w;
  std::vector<int64_t> codes(static_cast<std::size_t>(count), -1);
  const int64_t units = (count + lanes - 1) / lanes;
  for (int64_t first = 0; first < grid_units && first < units; ++first) {
    int64_t unit_cursor = position_of(cursor, first * lanes);
    const int64_t jump = jump_for(cursor, grid_units * lanes);
    for (int64_t u = first; u < units; u += grid_units) {
      int64_t position = unit_cursor;
      for (int k = 0; k < lanes && u * lanes + k < count; ++k) {
        codes[static_cast<std::size_t>(u * lanes + k)] =
            tabulate ? table.at(static_cast<std::size_t>(unit_cursor + k)) : code_at(position);
        position = wrap_add(position, w.step, w.domain);
      }
      unit_cursor = wrap_add(unit_cursor, jump, cursor.domain);
    }
  }
  return codes;
}

struct Case {
  PatternKind kind;
  RedOp op;
  int32_t nranks;
  int64_t limit;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (int64_t limit : {int64_t{8}, int64_t{16}, int64_t{127}, int64_t{2048}, INT64_C(1) << 24}) {
    for (int32_t n : {1, 3, 8, 100}) {
      out.push_back({PatternKind::kMove, RedOp::kSum, n, limit});
      for (RedOp op : {RedOp::kSum, RedOp::kProd, RedOp::kMax, RedOp::kMin}) {
        out.push_back({PatternKind::kReduce, op, n, limit});
      }
    }
  }
  return out;
}

TEST(PatternWalk, InputMatchesClosedFormForEveryGridShape) {
  for (const Case& c : cases()) {
    const Pattern p = make_pattern(c.kind, c.op, c.nranks, c.limit);
    for (int64_t index_base : {int64_t{0}, int64_t{5}, int64_t{4099}}) {
      for (int lanes : {1, 2, 4, 8, 16}) {
        for (int64_t grid_units : {int64_t{1}, int64_t{3}, int64_t{64}}) {
          const int32_t rank = c.nranks - 1;
          const PatternWalk w = walk_for_input(p, rank, index_base);
          const int64_t count = 1000;
          for (bool tabulate : {false, w.domain <= kMaxPeriod}) {
            const auto codes = walk_codes(p, w, count, lanes, grid_units, true, false, tabulate);
            for (int64_t j = 0; j < count; ++j) {
              ASSERT_EQ(codes[static_cast<std::size_t>(j)], input_code(p, rank, index_base + j))
                  << "limit " << c.limit << " n " << c.nranks << " lanes " << lanes << " j " << j
                  << " table " << tabulate;
            }
          }
        }
      }
    }
  }
}

TEST(PatternWalk, OutputMatchesExpectedCodeForEveryMap) {
  const int32_t n = 5;
  const int64_t block = 96;
  const OutputMap maps[] = {
      {true, SourceRank::kFixed, 0, 0, 0},               // all_reduce
      {true, SourceRank::kFixed, 0, 0, 7},               // reduce_scatter's slice
      {false, SourceRank::kBlock, 0, block, 0},          // all_gather
      {false, SourceRank::kBlock, 0, block, block * 2},  // all_to_all
      {false, SourceRank::kShift, -1, 0, 0},             // sendrecv
  };
  for (const OutputMap& map : maps) {
    const Pattern p =
        make_pattern(map.reduce ? PatternKind::kReduce : PatternKind::kMove, RedOp::kSum, n, 2048);
    for (int32_t rank = 0; rank < n; ++rank) {
      const int64_t count = block * n;
      const int64_t run_length = map.block > 0 ? map.block : count;
      for (int64_t start = 0; start < count; start += run_length) {
        const PatternWalk w = walk_for_output(p, output_source(map, rank, n, start));
        for (bool tabulate : {false, true}) {
          const auto codes = walk_codes(p, w, run_length, 8, 5, false, map.reduce, tabulate);
          for (int64_t j = 0; j < run_length; ++j) {
            ASSERT_EQ(codes[static_cast<std::size_t>(j)], expected_code(p, map, rank, start + j));
          }
        }
      }
    }
  }
}

// The walk's codes, turned into elements, are the host checker's expectations: a buffer built
// from them passes host_count_wrong, for every datatype.
TEST(PatternWalk, ElementsFromWalkPassTheHostChecker) {
  for (const DTypeInfo& info : all_dtypes()) {
    for (RedOp op : {RedOp::kSum, RedOp::kProd, RedOp::kMax, RedOp::kMin}) {
      const int32_t n = 4;
      const Pattern p = make_pattern(PatternKind::kReduce, op, n, info.exact_limit);
      const OutputMap map{true, SourceRank::kFixed, 0, 0, 0};
      const int64_t count = 777;
      const auto codes = walk_codes(p, walk_for_output(p, {0, 0}), count, 4, 7, false, true, true);
      for_dtype(info.id, [&]<typename T>() {
        std::vector<T> out(static_cast<std::size_t>(count));
        for (int64_t j = 0; j < count; ++j) {
          out[static_cast<std::size_t>(j)] =
              element_from_code<T>(codes[static_cast<std::size_t>(j)]);
        }
        EXPECT_EQ(host_count_wrong(info.id, out.data(), count, p, map, 0), 0) << info.name;
        out[100] = element_from_code<T>(codes[100] == 0 ? 1 : 0);
        EXPECT_EQ(host_count_wrong(info.id, out.data(), count, p, map, 0), 1) << info.name;
      });
    }
  }
}

}  // namespace
}  // namespace collbench
