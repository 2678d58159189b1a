// Host reductions against a double-precision reference, and nccl-tests' number formatting.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/host_reduce.hpp"
#include "results/table_printer.hpp"

namespace collbench {
namespace {

TEST(HostReduce, EveryTypeAndOpMatchesAReference) {
  std::mt19937 rng(3);
  for (const DTypeInfo& info : all_dtypes()) {
    for (const RedOpInfo& op : all_redops()) {
      for_dtype(info.id, [&]<typename T>() {
        constexpr int kCount = 257;  // odd, to exercise loop tails
        std::vector<T> a(kCount), b(kCount);
        std::vector<double> ra(kCount), rb(kCount);
        for (int i = 0; i < kCount; ++i) {
          // 1 or 2: sums and products stay exact even in fp8 e5m2 (exact up to 8).
          ra[i] = static_cast<double>(rng() % 2 + 1);
          rb[i] = static_cast<double>(rng() % 2 + 1);
          a[i] = element_from_code<T>(static_cast<int64_t>(ra[i]));
          b[i] = element_from_code<T>(static_cast<int64_t>(rb[i]));
        }
        host_reduce(info.id, op.id, a.data(), b.data(), kCount);
        for (int i = 0; i < kCount; ++i) {
          double want = 0;
          switch (op.id) {
            case RedOp::kSum:
            case RedOp::kAvg:
              want = ra[i] + rb[i];
              break;
            case RedOp::kProd:
              want = ra[i] * rb[i];
              break;
            case RedOp::kMax:
              want = std::max(ra[i], rb[i]);
              break;
            case RedOp::kMin:
              want = std::min(ra[i], rb[i]);
              break;
          }
          ASSERT_EQ(element_to_double(a[i]), want) << info.name << " " << op.name << " @" << i;
        }
      });
    }
  }
}

TEST(HostReduce, AverageDividesOnce) {
  std::vector<int32_t> v = {7, 8, -9};
  host_finish_avg(DType::kInt32, v.data(), 3, 2);
  EXPECT_EQ(v, (std::vector<int32_t>{3, 4, -4}));
  std::vector<float> f = {3.0f};
  host_finish_avg(DType::kFloat32, f.data(), 1, 4);
  EXPECT_FLOAT_EQ(f[0], 0.75f);
}

TEST(TableFormat, FitsTheColumnLikeNcclTests) {
  EXPECT_EQ(format_fixed_width(1.234, 7), "   1.23");
  EXPECT_EQ(format_fixed_width(12345.678, 7), "12345.7");
  EXPECT_EQ(format_fixed_width(1234567.0, 7), "1234567");
  EXPECT_EQ(format_fixed_width(123456789.0, 7), "1.2e+08");
  EXPECT_EQ(format_fixed_width(0.0, 6), "  0.00");
}

}  // namespace
}  // namespace collbench

namespace collbench {
namespace {

TEST(TablePrinter, EfficiencyColumnOnlyWithACeiling) {
  for (double ceiling : {0.0, 10.0}) {
    std::FILE* out = std::tmpfile();
    TablePrinter printer(out);
    printer.begin_group({"all_reduce", "float", "sum", -1, true, false, ceiling, ""});
    ResultRecord r;
    r.bytes = 1024;
    r.count = 256;
    r.dtype = "float";
    r.redop = "sum";
    r.time_us = 10;
    r.algbw_GBps = 5;
    r.busbw_GBps = 5;
    r.wrong = 0;
    r.ceiling_GBps = ceiling;
    printer.add({r});
    std::rewind(out);
    std::string text(4096, '\0');
    text.resize(std::fread(text.data(), 1, text.size(), out));
    std::fclose(out);
    if (ceiling > 0) {
      EXPECT_NE(text.find("eff"), std::string::npos) << text;
      EXPECT_NE(text.find("50.00"), std::string::npos) << text;  // 5 of 10 GB/s
    } else {
      EXPECT_EQ(text.find("eff"), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace collbench
