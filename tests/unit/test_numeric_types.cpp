// The 8- and 16-bit float formats: known encodings, exact small integers, rounding.
#include <gtest/gtest.h>

#include <cmath>

#include "core/dtype.hpp"
#include "core/redop.hpp"

namespace collbench {
namespace {

TEST(NumericTypes, KnownEncodings) {
  EXPECT_EQ(Half(1.0f).bits, 0x3C00);
  EXPECT_EQ(Half(-2.0f).bits, 0xC000);
  EXPECT_EQ(Half(65504.0f).bits, 0x7BFF);
  EXPECT_EQ(Half(1e6f).bits, 0x7C00);  // overflows to infinity
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3F80);
  EXPECT_EQ(Fp8E4M3(1.0f).bits, 0x38);
  EXPECT_EQ(Fp8E4M3(448.0f).bits, 0x7E);  // largest finite E4M3
  EXPECT_EQ(Fp8E5M2(1.0f).bits, 0x3C);
  EXPECT_EQ(Fp8E5M2(57344.0f).bits, 0x7B);
  EXPECT_FLOAT_EQ(static_cast<float>(Half::from_bits(0x0001)), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isnan(static_cast<float>(Half::from_bits(0xFFFF))));
  BFloat16 all_ones;
  all_ones.bits = 0xFFFF;
  EXPECT_TRUE(std::isnan(static_cast<float>(all_ones)));
  EXPECT_TRUE(std::isnan(static_cast<float>(Fp8E4M3::from_bits(0xFF))));
  EXPECT_TRUE(std::isnan(static_cast<float>(Fp8E5M2::from_bits(0xFF))));
}

TEST(NumericTypes, RoundsToNearestEven) {
  // 2049 lies halfway between the halves 2048 and 2050: ties go to the even mantissa (2048).
  EXPECT_EQ(static_cast<float>(Half(2049.0f)), 2048.0f);
  EXPECT_EQ(static_cast<float>(Half(2051.0f)), 2052.0f);
  EXPECT_EQ(static_cast<float>(BFloat16(257.0f)), 256.0f);
  EXPECT_EQ(static_cast<float>(BFloat16(259.0f)), 260.0f);
  EXPECT_EQ(static_cast<float>(Fp8E4M3(17.0f)), 16.0f);
  EXPECT_EQ(static_cast<float>(Fp8E5M2(9.0f)), 8.0f);
}

// Every integer up to a type's exact limit survives the round trip: the premise of the patterns.
TEST(NumericTypes, ExactIntegersUpToTheTableLimit) {
  for (const DTypeInfo& info : all_dtypes()) {
    if (!info.is_float) continue;
    const int64_t limit = std::min<int64_t>(info.exact_limit, 1 << 16);
    for_dtype(info.id, [&]<typename T>() {
      for (int64_t v = 0; v <= limit; ++v) {
        const T element = element_from_code<T>(v);
        ASSERT_EQ(element_to_double(element), static_cast<double>(v)) << info.name << " " << v;
      }
    });
  }
}

TEST(DTypeTable, RowsFollowTheEnumerationAndNamesParse) {
  std::size_t index = 0;
  for (const DTypeInfo& info : all_dtypes()) {
    EXPECT_EQ(static_cast<std::size_t>(info.id), index++);
    EXPECT_EQ(parse_dtype(info.name), info.id);
    for (auto alias : info.aliases) EXPECT_EQ(parse_dtype(alias), info.id);
    for_dtype(info.id, [&]<typename T>() { EXPECT_EQ(sizeof(T), info.size) << info.name; });
  }
  EXPECT_EQ(parse_dtype("FLOAT"), DType::kFloat32);
  EXPECT_FALSE(parse_dtype("float128").has_value());
  EXPECT_FALSE(parse_redop("mulsum").has_value());
  EXPECT_EQ(parse_redop("max"), RedOp::kMax);
}

}  // namespace
}  // namespace collbench
