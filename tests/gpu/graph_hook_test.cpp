// The harness's -G hook (harness/measure.cpp), exercised without a GPU: a host backend that
// "captures" by recording the operations and replays them on launch(). Holds the harness to
// nccl-tests' graph semantics: capture once per size and placement, -G launches per sample, time
// per operation = sample time / (iters x agg_iters x launches), and the replayed work verified.
#include <gtest/gtest.h>

#include <cstring>

#include "collectives/backend.hpp"
#include "harness/measure.hpp"
#include "runtime/local_runtime.hpp"

namespace collbench {
namespace {

// Every sample takes exactly one second, so the harness's division is visible in time_us.
class OneSecondTimer final : public SampleTimer {
 public:
  void start() override {}
  void stop() override {}
  double seconds() override { return 1.0; }
};

// all_reduce over one rank: the output is the input.
class ReplayBackend final : public Backend {
 public:
  struct Counts {
    int captures = 0;
    int launches = 0;
    int runs = 0;
  };
  class Replay final : public CapturedOps {
   public:
    Replay(ReplayBackend& backend, OpArgs args, int ops) : b_(backend), args_(args), ops_(ops) {}
    void launch() override {
      ++b_.counts.launches;
      for (int i = 0; i < ops_; ++i) b_.run(args_);
    }

   private:
    ReplayBackend& b_;
    OpArgs args_;
    int ops_;
  };

  std::string_view name() const override { return "test-replay"; }
  Memory& memory() override { return *memory_; }
  std::optional<std::string> unsupported(Collective, DType, RedOp) const override {
    return std::nullopt;
  }
  void run(const OpArgs& args) override {
    ++counts.runs;
    const std::size_t bytes =
        static_cast<std::size_t>(args.layout.recv_count) * dtype_info(args.dtype).size;
    if (args.send[0] != args.recv[0]) std::memcpy(args.recv[0], args.send[0], bytes);
  }
  void complete() override {}
  std::unique_ptr<SampleTimer> make_timer() override { return std::make_unique<OneSecondTimer>(); }
  bool captures_graphs() const override { return true; }
  std::unique_ptr<CapturedOps> capture(const OpArgs& args, int ops) override {
    ++counts.captures;
    return std::make_unique<Replay>(*this, args, ops);
  }

  Counts counts;

 private:
  std::unique_ptr<Memory> memory_ = make_host_memory();
};

TEST(GraphHook, CapturesOncePerSizeAndPlacementAndDividesByEveryLaunchedOperation) {
  LocalRuntime runtime(0);
  ReplayBackend backend;
  RunOptions options;
  options.collectives = {Collective::kAllReduce};
  options.dtypes = {DType::kFloat32};
  options.ops = {RedOp::kSum};
  options.sweep = {64, 128, 2, 0};  // two sizes
  options.iters = 4;
  options.agg_iters = 2;
  options.warmup_iters = 1;
  options.repeat = 3;
  options.cudagraph = 5;
  RecordCollector rows;
  Measurement measurement(runtime, backend, options, {&rows});
  EXPECT_EQ(measurement.run(), 0);

  ASSERT_EQ(rows.records.size(), 4u);  // 2 sizes x 2 placements
  EXPECT_EQ(backend.counts.captures, 4);
  EXPECT_EQ(backend.counts.launches, 4 * options.repeat * options.cudagraph);
  for (const ResultRecord& r : rows.records) {
    // One second per sample over iters x agg_iters x launches operations.
    EXPECT_DOUBLE_EQ(r.time_us, 1e6 / (4 * 2 * 5)) << r.bytes;
    EXPECT_EQ(r.wrong, 0) << r.bytes << (r.inplace ? " in place" : "");
  }
}

TEST(GraphHook, BackendsThatCannotCaptureRefuseG) {
  class NoGraphs final : public Backend {
   public:
    std::string_view name() const override { return "test-nographs"; }
    Memory& memory() override { return *memory_; }
    std::optional<std::string> unsupported(Collective, DType, RedOp) const override {
      return std::nullopt;
    }
    void run(const OpArgs&) override {}
    void complete() override {}
    std::unique_ptr<Memory> memory_ = make_host_memory();
  } backend;
  RunOptions options;
  options.collectives = {Collective::kAllReduce};
  options.dtypes = {DType::kFloat32};
  options.ops = {RedOp::kSum};
  options.cudagraph = 2;
  EXPECT_THROW(validate_against_ranks(options, backend, 1), UsageError);
  options.cudagraph = 0;
  EXPECT_NO_THROW(validate_against_ranks(options, backend, 1));
}

}  // namespace
}  // namespace collbench
