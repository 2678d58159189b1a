// Size parsing, sweeps, nccl-tests' byte-count rounding and bus-bandwidth factors.
#include <gtest/gtest.h>

#include "collectives/collective.hpp"
#include "core/errors.hpp"
#include "harness/size_sweep.hpp"

namespace collbench {
namespace {

TEST(ParseSize, BinarySuffixes) {
  EXPECT_EQ(parse_size("8", "-b"), 8);
  EXPECT_EQ(parse_size("1K", "-b"), 1024);
  EXPECT_EQ(parse_size("16m", "-b"), 16 << 20);
  EXPECT_EQ(parse_size("1G", "-b"), int64_t{1} << 30);
  EXPECT_EQ(parse_size("2T", "-b"), int64_t{2} << 40);
  EXPECT_EQ(parse_size("1.5K", "-b"), 1536);
  EXPECT_EQ(parse_size("4KiB", "-b"), 4096);
  EXPECT_EQ(parse_size("64B", "-b"), 64);
}

void expect_usage_error(const std::string& text, const std::string& fragment) {
  try {
    parse_size(text, "-e/--maxbytes");
    FAIL() << "no error for '" << text << "'";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("-e/--maxbytes"), std::string::npos) << e.what();
  }
}

TEST(ParseSize, RejectsBadInput) {
  expect_usage_error("0", "at least 1 byte");
  expect_usage_error("-5", "must be positive");
  expect_usage_error("", "empty");
  expect_usage_error("abc", "expected a number");
  expect_usage_error("10X", "unknown suffix");
  expect_usage_error("99999999999T", "too large");
  expect_usage_error("1.3", "whole number");
  expect_usage_error("1..2K", "not a number");
}

TEST(Sweep, GeometricAndAdditive) {
  EXPECT_EQ(sweep_sizes({8, 64, 2, 0}), (std::vector<int64_t>{8, 16, 32, 64}));
  EXPECT_EQ(sweep_sizes({8, 100, 4, 0}), (std::vector<int64_t>{8, 32}));
  EXPECT_EQ(sweep_sizes({1024, 4096, 1, 1024}), (std::vector<int64_t>{1024, 2048, 3072, 4096}));
  EXPECT_EQ(sweep_sizes({5, 5, 2, 0}), (std::vector<int64_t>{5}));
  EXPECT_THROW(sweep_sizes({64, 8, 2, 0}), UsageError);
  EXPECT_THROW(sweep_sizes({1, int64_t{1} << 40, 1, 1}), UsageError);  // too many rows
}

// nccl-tests' getCollByteCount, restated: splitting collectives round the per-rank count down
// to a multiple of 16 bytes.
TEST(Layouts, FollowNcclTestsRounding) {
  const auto& ag = collective_spec(Collective::kAllGather);
  BufferLayout l = ag.layout(1000, 4, 3);  // 333 per rank -> 332 (multiple of 4 floats)
  EXPECT_EQ(l.param_count, 332);
  EXPECT_EQ(l.send_count, 332);
  EXPECT_EQ(l.recv_count, 996);
  EXPECT_EQ(l.send_inplace_offset, 332);
  EXPECT_EQ(reported_bytes(l, 4), 3984);

  const auto& rs = collective_spec(Collective::kReduceScatter);
  l = rs.layout(1000, 2, 4);  // 250 per rank -> 248 (multiple of 8 halves)
  EXPECT_EQ(l.param_count, 248);
  EXPECT_EQ(l.send_count, 992);
  EXPECT_EQ(l.recv_count, 248);
  EXPECT_EQ(l.recv_inplace_offset, 248);

  const auto& a2a = collective_spec(Collective::kAllToAll);
  l = a2a.layout(2, 4, 2);  // 8 B of float over 2 ranks: nothing left after rounding
  EXPECT_EQ(l.param_count, 0);
  l = a2a.layout(64, 1, 4);
  EXPECT_EQ(l.param_count, 16);
  EXPECT_EQ(l.send_count, 64);

  for (Collective c : {Collective::kAllReduce, Collective::kBroadcast, Collective::kReduce,
                       Collective::kSendRecv}) {
    l = collective_spec(c).layout(777, 8, 5);
    EXPECT_EQ(l.param_count, 777);
    EXPECT_EQ(l.send_count, 777);
    EXPECT_EQ(l.recv_count, 777);
  }
}

TEST(BusFactors, MatchNcclTests) {
  EXPECT_DOUBLE_EQ(collective_spec(Collective::kAllReduce).bus_factor(4), 1.5);
  EXPECT_DOUBLE_EQ(collective_spec(Collective::kAllReduce).bus_factor(1), 0.0);
  EXPECT_DOUBLE_EQ(collective_spec(Collective::kAllGather).bus_factor(4), 0.75);
  EXPECT_DOUBLE_EQ(collective_spec(Collective::kReduceScatter).bus_factor(8), 0.875);
  EXPECT_DOUBLE_EQ(collective_spec(Collective::kAllToAll).bus_factor(2), 0.5);
  EXPECT_DOUBLE_EQ(collective_spec(Collective::kBroadcast).bus_factor(8), 1.0);
  EXPECT_DOUBLE_EQ(collective_spec(Collective::kReduce).bus_factor(8), 1.0);
  EXPECT_DOUBLE_EQ(collective_spec(Collective::kSendRecv).bus_factor(8), 1.0);
}

TEST(CollectiveTable, NamesAndAliases) {
  std::size_t index = 0;
  for (const CollectiveSpec& spec : all_collectives()) {
    EXPECT_EQ(static_cast<std::size_t>(spec.id), index++);
    EXPECT_EQ(parse_collective(spec.name), spec.id);
  }
  EXPECT_EQ(parse_collective("alltoall"), Collective::kAllToAll);
  EXPECT_EQ(parse_collective("all_reduce_perf"), Collective::kAllReduce);
  EXPECT_EQ(parse_collective("AllGather"), Collective::kAllGather);
  EXPECT_FALSE(parse_collective("gather").has_value());
}

}  // namespace
}  // namespace collbench
