// The CUDA IPC backend's host-side rules without a GPU: its shared buffers grow only when the
// harness allocates (never inside a timed sample, even with -w 0), and ranks sharing a GPU are
// refused unless COLLBENCH_ALLOW_SHARED_GPU=1. The harness here is the real Measurement; the
// backend is a host stand-in that sizes and checks its shared buffers with the same PeerCapacity,
// reserving memory and peer_buffer_needs as cuda_ipc_backend.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "collectives/custom/peer_capacity.hpp"
#include "collectives/custom/shared_gpu.hpp"
#include "core/errors.hpp"
#include "harness/measure.hpp"
#include "runtime/local_runtime.hpp"

namespace collbench {
namespace {

// Records whether the clock runs, so a grow inside a timed sample is caught where it happens.
class WatchedTimer final : public SampleTimer {
 public:
  explicit WatchedTimer(bool& timing) : timing_(timing) {}
  void start() override { timing_ = true; }
  void stop() override { timing_ = false; }
  double seconds() override { return 1e-6; }

 private:
  bool& timing_;
};

// The IPC backend's buffer handling around all_reduce (one and two shot by size, as its auto) and
// all_to_all; no data moves (the sweep runs with -c 0). `grow_in_run` is the old backend: no
// reservation at allocation, growth in the first operation of each larger size.
class IpcStandIn final : public Backend {
 public:
  IpcStandIn(int nranks, bool grow_in_run)
      : nranks_(nranks),
        grow_in_run_(grow_in_run),
        memory_(grow_in_run ? make_host_memory()
                            : make_reserving_memory(make_host_memory(), capacity)) {}
  std::string_view name() const override { return "test-ipc-capacity"; }
  Memory& memory() override { return *memory_; }
  int local_ranks() const override { return nranks_; }  // the layouts are those of n ranks
  std::optional<std::string> unsupported(Collective, DType, RedOp) const override {
    return std::nullopt;
  }
  void run(const OpArgs& args) override {
    ++runs;
    const bool two_shot = args.layout.param_count * dtype_info(args.dtype).size > 4096;
    const PeerBufferNeeds needs = peer_buffer_needs(args, nranks_, two_shot);
    if (grow_in_run_) capacity.reserve(std::max(needs.stage, needs.reduced));
    capacity.require(needs);
  }
  void complete() override {}
  std::unique_ptr<SampleTimer> make_timer() override {
    return std::make_unique<WatchedTimer>(timing);
  }

  bool timing = false;
  int grows_while_timing = 0;
  int runs = 0;
  PeerCapacity capacity{[this](std::size_t) {
    if (timing) ++grows_while_timing;
  }};

 private:
  int nranks_;
  bool grow_in_run_;
  std::unique_ptr<Memory> memory_;
};

RunOptions sweep(Collective c) {
  RunOptions options;
  options.collectives = {c};
  options.dtypes = {DType::kInt8, DType::kFloat32, DType::kFloat64};
  options.ops = {RedOp::kSum};
  options.sweep = {8, 1 << 20, 2, 0};  // 8 B to 1 MiB
  options.iters = 2;
  options.warmup_iters = 0;  // -w 0: the first operation of every size is a timed one
  options.repeat = 2;
  options.check = 0;
  return options;
}

TEST(PeerCapacity, GrowsAtAllocationNeverInATimedSample) {
  for (Collective c : {Collective::kAllReduce, Collective::kAllToAll}) {
    LocalRuntime runtime(0);
    IpcStandIn backend(3, false);
    RunOptions options = sweep(c);
    Measurement measurement(runtime, backend, options, {});
    EXPECT_NO_THROW(measurement.run()) << collective_spec(c).name;
    EXPECT_GT(backend.runs, 0);
    EXPECT_GT(backend.capacity.grows(), 0);
    EXPECT_LE(backend.capacity.grows(), 3) << "geometric growth: a few grows per sweep";
    EXPECT_EQ(backend.grows_while_timing, 0);
    EXPECT_GT(backend.capacity.capacity(), std::size_t{1} << 19);  // the largest buffer, ~1 MiB
  }
}

// The check above catches the old backend's growth inside timed samples.
TEST(PeerCapacity, GrowingInTheOperationIsCaughtInsideTimedSamples) {
  LocalRuntime runtime(0);
  IpcStandIn backend(3, true);
  RunOptions options = sweep(Collective::kAllReduce);
  Measurement measurement(runtime, backend, options, {});
  measurement.run();
  EXPECT_GT(backend.grows_while_timing, 0);
}

TEST(PeerCapacity, AnOperationNeverGrowsAndNamesTheShortfall) {
  int grows = 0;
  PeerCapacity capacity([&](std::size_t) { ++grows; });
  capacity.reserve(1000);
  EXPECT_EQ(grows, 1);
  EXPECT_NO_THROW(capacity.require({1000, 1000}));
  try {
    capacity.require({1001, 0});
    FAIL() << "require() must refuse, not grow";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("1001 B"), std::string::npos) << e.what();
  }
  EXPECT_EQ(grows, 1);
  capacity.reserve(1001);  // doubles: fewer grows over a sweep
  EXPECT_EQ(capacity.capacity(), 2000u);
  capacity.reserve(1500);
  EXPECT_EQ(grows, 2);
}

TEST(PeerCapacity, NeedsPerCollective) {
  OpArgs args{};
  args.dtype = DType::kFloat32;
  args.layout.param_count = 100;
  args.collective = Collective::kAllReduce;
  EXPECT_EQ(peer_buffer_needs(args, 4, false).stage, 400u);
  EXPECT_EQ(peer_buffer_needs(args, 4, false).reduced, 0u);
  EXPECT_EQ(peer_buffer_needs(args, 4, true).reduced, 400u);
  args.collective = Collective::kAllToAll;  // param_count per peer
  EXPECT_EQ(peer_buffer_needs(args, 4, false).stage, 1600u);
}

TEST(SharedGpu, OneRankPerGpuRuns) {
  EXPECT_FALSE(shared_gpu_refusal({"0000:1b:00.0", "0000:1c:00.0"}, {"rank 0", "rank 1"}, nullptr));
}

TEST(SharedGpu, RanksOnOneGpuAreRefusedByNameUnlessAllowed) {
  const std::vector<std::string> gpus{"0000:1b:00.0", "0000:1c:00.0", "0000:1b:00.0"};
  const std::vector<std::string> names{"rank 0 on n1", "rank 1 on n1", "rank 2 on n1"};
  const std::optional<std::string> why = shared_gpu_refusal(gpus, names, nullptr);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("GPU 0000:1b:00.0 runs rank 0 on n1, rank 2 on n1"), std::string::npos)
      << *why;
  EXPECT_EQ(why->find("rank 1 on n1"), std::string::npos) << *why;
  EXPECT_NE(why->find("COLLBENCH_ALLOW_SHARED_GPU=1"), std::string::npos) << *why;
  EXPECT_TRUE(shared_gpu_refusal(gpus, names, "0"));
  EXPECT_TRUE(shared_gpu_refusal(gpus, names, ""));
  EXPECT_FALSE(shared_gpu_refusal(gpus, names, "1"));
  EXPECT_EQ(ranks_on_same_gpu(gpus, 0), 2);
  EXPECT_EQ(ranks_on_same_gpu(gpus, 1), 1);
}

}  // namespace
}  // namespace collbench
