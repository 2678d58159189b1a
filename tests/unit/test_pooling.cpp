// Pooling the cycles of one configuration (results/compare.hpp): compare and the fuzz target read
// wrong counts from files, where any int64 is allowed; their sum must not overflow.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "results/compare.hpp"

namespace collbench {
namespace {

ResultRow cycle(int64_t wrong) {
  ResultRow r;
  r.collective = "all_reduce";
  r.backend = "mpi";
  r.dtype = "float";
  r.redop = "sum";
  r.nranks = 2;
  r.bytes = 1024;
  r.time_us = r.time_us_min = r.time_us_max = 3;
  r.samples_us = {3};
  r.wrong = wrong;
  return r;
}

TEST(Pooling, WrongCountsAddUp) {
  const std::vector<ResultRow> pooled = pool_by_configuration({cycle(2), cycle(-1), cycle(3)});
  ASSERT_EQ(pooled.size(), 1u);
  EXPECT_EQ(pooled[0].wrong, 5);
  // Unchecked cycles alone stay unchecked.
  EXPECT_EQ(pool_by_configuration({cycle(-1), cycle(-1)})[0].wrong, -1);
}

TEST(Pooling, HugeWrongCountsSaturateInsteadOfWrapping) {
  // Found by fuzz_results_reader (UBSan: signed overflow); the wrapped sum was negative, which
  // reads as "not checked" and hid the wrong data from compare.
  const int64_t most = std::numeric_limits<int64_t>::max();
  const std::vector<ResultRow> pooled = pool_by_configuration({cycle(most), cycle(most)});
  ASSERT_EQ(pooled.size(), 1u);
  EXPECT_EQ(pooled[0].wrong, most);
  EXPECT_EQ(pool_by_configuration({cycle(1), cycle(most)})[0].wrong, most);
}

}  // namespace
}  // namespace collbench
