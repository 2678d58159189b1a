// The NCCL launcher against a recording fake of NcclCalls, on any machine: what lies between a
// sample's start and stop events (only launches: no poll, wait or yield), blocking communicators,
// and the -T watchdog (it aborts the communicators and names the stuck ranks).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collectives/nccl/nccl_launcher.hpp"
#include "core/errors.hpp"

namespace collbench {
namespace {

using Clock = std::chrono::steady_clock;

// Behaves like NCCL where the launcher can tell: a non-blocking communicator's ncclGroupEnd
// answers ncclInProgress; a hung call returns only when a communicator is aborted.
class FakeCalls final : public NcclCalls {
 public:
  std::vector<std::string> log() {
    std::lock_guard<std::mutex> lock(mutex_);
    return log_;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.clear();
  }
  void hang_group_end(bool on) { hang_ = on; }
  void abort_releases(bool on) { abort_releases_ = on; }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    released_ = true;
    wake_.notify_all();
  }
  void busy_stream(int index) { busy_.insert(index); }
  void async_error(int index, ncclResult_t error) {
    error_index_ = index;
    error_ = error;
  }
  int blocking_seen = -1;

  cudaError_t set_device(int device) override { return note("cudaSetDevice " + num(device)); }
  cudaError_t stream_create(cudaStream_t* stream) override {
    *stream = reinterpret_cast<cudaStream_t>(static_cast<uintptr_t>(0x100 + streams_++));
    return note("cudaStreamCreate");
  }
  cudaError_t stream_destroy(cudaStream_t) override { return note("cudaStreamDestroy"); }
  cudaError_t stream_query(cudaStream_t stream) override {
    note("cudaStreamQuery");
    return busy_.count(index_of(stream)) ? cudaErrorNotReady : cudaSuccess;
  }
  cudaError_t event_create(cudaEvent_t* event) override {
    *event = reinterpret_cast<cudaEvent_t>(static_cast<uintptr_t>(0x1000 + events_++));
    return note("cudaEventCreate");
  }
  cudaError_t event_destroy(cudaEvent_t) override { return note("cudaEventDestroy"); }
  cudaError_t event_record(cudaEvent_t event, cudaStream_t) override {
    // Events are made in start/stop pairs: even ones start, odd ones stop.
    const auto n = reinterpret_cast<uintptr_t>(event) - 0x1000;
    return note(n % 2 == 0 ? "cudaEventRecord start" : "cudaEventRecord stop");
  }
  cudaError_t event_synchronize(cudaEvent_t) override { return note("cudaEventSynchronize"); }
  cudaError_t event_elapsed_ms(float* ms, cudaEvent_t, cudaEvent_t) override {
    *ms = 2.0f;
    return note("cudaEventElapsedTime");
  }
  cudaError_t begin_capture(cudaStream_t) override { return note("cudaStreamBeginCapture"); }
  cudaError_t end_capture(cudaStream_t, cudaGraphExec_t* exec) override {
    *exec = reinterpret_cast<cudaGraphExec_t>(static_cast<uintptr_t>(0x2000));
    return note("cudaStreamEndCapture");
  }
  cudaError_t graph_launch(cudaGraphExec_t, cudaStream_t) override {
    return note("cudaGraphLaunch");
  }
  cudaError_t graph_exec_destroy(cudaGraphExec_t) override { return note("cudaGraphExecDestroy"); }
  std::string pci_bus_id(int device) override { return "0000:0" + num(device) + ":00.0"; }

  ncclResult_t comm_init_rank(ncclComm_t* comm, int, const ncclUniqueId&, int rank,
                              ncclConfig_t* config) override {
    blocking_seen = config->blocking;
    *comm = reinterpret_cast<ncclComm_t>(static_cast<uintptr_t>(0x10000 + rank));
    return nccl_note("ncclCommInitRankConfig");
  }
  ncclResult_t group_start() override { return nccl_note("ncclGroupStart"); }
  ncclResult_t group_end() override {
    nccl_note("ncclGroupEnd");
    if (hang_) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return released_; });
      return ncclSystemError;
    }
    return blocking_seen == 0 ? ncclInProgress : ncclSuccess;
  }
  ncclResult_t all_reduce(const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t,
                          cudaStream_t) override {
    return nccl_note("ncclAllReduce");
  }
  ncclResult_t all_gather(const void*, void*, size_t, ncclDataType_t, ncclComm_t,
                          cudaStream_t) override {
    return nccl_note("ncclAllGather");
  }
  ncclResult_t reduce_scatter(const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t,
                              cudaStream_t) override {
    return nccl_note("ncclReduceScatter");
  }
  ncclResult_t broadcast(const void*, void*, size_t, ncclDataType_t, int, ncclComm_t,
                         cudaStream_t) override {
    return nccl_note("ncclBroadcast");
  }
  ncclResult_t reduce(const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, int, ncclComm_t,
                      cudaStream_t) override {
    return nccl_note("ncclReduce");
  }
  ncclResult_t send(const void*, size_t, ncclDataType_t, int, ncclComm_t, cudaStream_t) override {
    return nccl_note("ncclSend");
  }
  ncclResult_t recv(void*, size_t, ncclDataType_t, int, ncclComm_t, cudaStream_t) override {
    return nccl_note("ncclRecv");
  }
  ncclResult_t comm_get_async_error(ncclComm_t comm, ncclResult_t* state) override {
    const int rank = static_cast<int>(reinterpret_cast<uintptr_t>(comm) - 0x10000);
    *state = rank == error_index_ ? error_ : ncclSuccess;
    return nccl_note("ncclCommGetAsyncError");
  }
  ncclResult_t comm_abort(ncclComm_t comm) override {
    nccl_note("ncclCommAbort " +
              num(static_cast<int>(reinterpret_cast<uintptr_t>(comm) - 0x10000)));
    if (abort_releases_) release();
    return ncclSuccess;
  }
  ncclResult_t comm_finalize(ncclComm_t) override { return nccl_note("ncclCommFinalize"); }
  ncclResult_t comm_destroy(ncclComm_t) override { return nccl_note("ncclCommDestroy"); }
  std::string last_error(ncclComm_t) override { return ""; }
  void yield() override {
    note("yield");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the fake's, not the launcher's
  }

 private:
  static std::string num(int n) { return std::to_string(n); }
  int index_of(cudaStream_t stream) {
    return static_cast<int>(reinterpret_cast<uintptr_t>(stream) - 0x100);
  }
  cudaError_t note(const std::string& call) {
    std::lock_guard<std::mutex> lock(mutex_);
    log_.push_back(call);
    return cudaSuccess;
  }
  ncclResult_t nccl_note(const std::string& call) {
    note(call);
    return ncclSuccess;
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::string> log_;
  std::set<int> busy_;
  int streams_ = 0;
  int events_ = 0;
  int error_index_ = -1;
  ncclResult_t error_ = ncclSuccess;
  bool hang_ = false;
  bool abort_releases_ = true;
  bool released_ = false;
};

// Two local ranks on devices 0 and 1, as `-g 2`.
struct Buffers {
  float data[4][64] = {};
  std::vector<const void*> send{data[0], data[1]};
  std::vector<void*> recv{data[2], data[3]};
};

OpArgs op(Collective c, Buffers& b) {
  BufferLayout layout;
  layout.param_count = 4;
  layout.send_count = layout.recv_count = 8;
  return {c, DType::kFloat32, RedOp::kSum, 0, b.send, b.recv, layout, false};
}

// Unless a test passes its own, the watchdog's last resort (ending the process when the guarded
// thread has not come back 5 % of -T after the abort: 50 ms here) does nothing: on a loaded CI
// host the test thread can miss that grace, and _exit would end the test binary mid-run. The
// last resort itself is WatchdogReportsWhenTheCallNeverReturns' subject.
std::unique_ptr<NcclLauncher> make(FakeCalls& calls, double timeout_s, int agg = 1,
                                   NcclWatchdog::Unresponsive unresponsive = {}) {
  if (!unresponsive) unresponsive = [](const std::string&) {};
  return std::make_unique<NcclLauncher>(calls, "rank 0 on testhost",
                                        std::vector<NcclRank>{{0, 0}, {1, 1}}, 2, timeout_s, agg,
                                        std::move(unresponsive));
}

// The calls recorded between the first start event and the last stop event.
std::vector<std::string> between_events(const std::vector<std::string>& log) {
  const auto first = std::find(log.begin(), log.end(), "cudaEventRecord start");
  const auto last = std::find(log.rbegin(), log.rend(), "cudaEventRecord stop");
  if (first == log.end() || last == log.rend()) return {};
  return {first, last.base()};
}

void expect_only_launches(const std::vector<std::string>& timed) {
  ASSERT_FALSE(timed.empty());
  const std::set<std::string> allowed = {"cudaEventRecord start",
                                         "cudaEventRecord stop",
                                         "cudaSetDevice 0",
                                         "cudaSetDevice 1",
                                         "ncclGroupStart",
                                         "ncclGroupEnd",
                                         "ncclAllReduce",
                                         "ncclSend",
                                         "ncclRecv",
                                         "cudaGraphLaunch"};
  for (const std::string& call : timed) {
    EXPECT_TRUE(allowed.count(call)) << "between the timer's events: " << call;
  }
}

TEST(NcclLauncher, CommunicatorsAreBlocking) {
  FakeCalls calls;
  auto launcher = make(calls, 30);
  ncclUniqueId id{};
  launcher->init(id);
  EXPECT_EQ(calls.blocking_seen, 1);
}

// The defect: non-blocking communicators made ncclGroupEnd answer ncclInProgress and the launch
// path poll and sleep inside the timed region.
TEST(NcclLauncher, NothingButLaunchesBetweenTheEvents) {
  for (Collective c : {Collective::kAllReduce, Collective::kAllToAll, Collective::kSendRecv}) {
    FakeCalls calls;
    auto launcher = make(calls, 30);
    launcher->init(ncclUniqueId{});
    Buffers b;
    auto timer = launcher->make_timer();
    calls.clear();
    timer->start();
    for (int i = 0; i < 3; ++i) launcher->run(op(c, b));
    timer->stop();
    launcher->complete();
    EXPECT_DOUBLE_EQ(timer->seconds(), 2e-3);
    const std::vector<std::string> log = calls.log();
    expect_only_launches(between_events(log));
    EXPECT_EQ(std::count(log.begin(), log.end(), "ncclGroupEnd"), 3);
    // Completion polls after the stop events.
    const auto stop = std::find(log.rbegin(), log.rend(), "cudaEventRecord stop").base();
    EXPECT_NE(std::find(stop, log.end(), "cudaStreamQuery"), log.end());
  }
}

// -m 2: two operations per group; the batch's ncclGroupEnd comes before the stop events.
TEST(NcclLauncher, AggregatedBatchClosesBeforeTheStopEvents) {
  FakeCalls calls;
  auto launcher = make(calls, 30, 2);
  launcher->init(ncclUniqueId{});
  Buffers b;
  auto timer = launcher->make_timer();
  calls.clear();
  timer->start();
  for (int i = 0; i < 3; ++i) launcher->run(op(Collective::kAllReduce, b));
  timer->stop();
  launcher->complete();
  const std::vector<std::string> timed = between_events(calls.log());
  expect_only_launches(timed);
  // 3 inner groups, the full batch's outer group, and the half batch closed by stop().
  EXPECT_EQ(std::count(timed.begin(), timed.end(), "ncclGroupEnd"), 5);
  EXPECT_EQ(std::count(timed.begin(), timed.end(), "ncclGroupStart"), 5);
}

// -G: only graph launches between the events.
TEST(NcclLauncher, GraphReplayIsOnlyLaunches) {
  FakeCalls calls;
  auto launcher = make(calls, 30);
  launcher->init(ncclUniqueId{});
  Buffers b;
  auto graph = launcher->capture(op(Collective::kAllReduce, b), 4);
  auto timer = launcher->make_timer();
  calls.clear();
  timer->start();
  graph->launch();
  graph->launch();
  timer->stop();
  launcher->complete();
  const std::vector<std::string> timed = between_events(calls.log());
  expect_only_launches(timed);
  EXPECT_EQ(std::count(timed.begin(), timed.end(), "cudaGraphLaunch"), 4);
}

// A peer that never joins: ncclGroupEnd blocks. The watchdog aborts every communicator (which
// makes the call return) and the launcher reports the deadline and who was stuck.
TEST(NcclLauncher, WatchdogAbortsAHungLaunchAndNamesTheRanks) {
  FakeCalls calls;
  auto launcher = make(calls, 0.5);
  launcher->init(ncclUniqueId{});
  Buffers b;
  calls.hang_group_end(true);
  const auto start = Clock::now();
  try {
    launcher->run(op(Collective::kAllReduce, b));
    FAIL() << "a hung ncclGroupEnd returned normally";
  } catch (const RuntimeFailure& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("rank 0 on testhost: timeout: all_reduce did not finish within 0.45 s"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("nccl ranks 0,1 blocked inside ncclGroupEnd"), std::string::npos) << text;
    EXPECT_NE(text.find("ncclCommAbort"), std::string::npos) << text;
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  const std::vector<std::string> log = calls.log();
  EXPECT_EQ(std::count(log.begin(), log.end(), "ncclCommAbort 0"), 1);
  EXPECT_EQ(std::count(log.begin(), log.end(), "ncclCommAbort 1"), 1);
  launcher.reset();  // no finalize or destroy of aborted communicators
  const std::vector<std::string> after = calls.log();
  EXPECT_EQ(std::count(after.begin(), after.end(), "ncclCommDestroy"), 0);
}

// One rank's stream never finishes: completion reaches the deadline and names that rank only.
TEST(NcclLauncher, WatchdogNamesTheRankWhoseStreamNeverFinishes) {
  FakeCalls calls;
  auto launcher = make(calls, 0.5);
  launcher->init(ncclUniqueId{});
  Buffers b;
  launcher->run(op(Collective::kAllReduce, b));
  calls.busy_stream(1);
  try {
    launcher->complete();
    FAIL() << "completion of a stuck stream returned";
  } catch (const RuntimeFailure& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("stuck: nccl rank 1 (device 1 0000:01:00.0): its stream has not finished"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("nccl rank 0 ("), std::string::npos) << text;
  }
  const std::vector<std::string> log = calls.log();
  EXPECT_EQ(std::count(log.begin(), log.end(), "ncclCommAbort 1"), 1);
}

// Initialisation is under the deadline too.
TEST(NcclLauncher, WatchdogAbortsAHungInitialisation) {
  FakeCalls calls;
  auto launcher = make(calls, 0.5);
  calls.hang_group_end(true);
  try {
    launcher->init(ncclUniqueId{});
    FAIL() << "a hung initialisation returned";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("ncclCommInitRankConfig did not finish"),
              std::string::npos)
        << e.what();
  }
}

// An asynchronous NCCL error ends completion at once, naming the rank, without the deadline.
TEST(NcclLauncher, AsynchronousErrorFailsAtOnce) {
  FakeCalls calls;
  auto launcher = make(calls, 60);
  launcher->init(ncclUniqueId{});
  Buffers b;
  launcher->run(op(Collective::kAllReduce, b));
  calls.busy_stream(1);
  calls.async_error(1, ncclRemoteError);
  const auto start = Clock::now();
  try {
    launcher->complete();
    FAIL() << "an asynchronous error went unreported";
  } catch (const RuntimeFailure& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("(nccl rank 1, device 1 0000:01:00.0): operation (asynchronous error)"),
              std::string::npos)
        << text;
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

// A call that abort does not bring back: the watchdog reports by itself (the real one then
// ends the process with exit code 3).
TEST(NcclLauncher, WatchdogReportsWhenTheCallNeverReturns) {
  FakeCalls calls;
  std::mutex mutex;
  std::string reported;
  auto launcher = make(calls, 0.5, 1, [&](const std::string& report) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      reported = report;
    }
    calls.release();  // lets the test end
  });
  launcher->init(ncclUniqueId{});
  Buffers b;
  calls.hang_group_end(true);
  calls.abort_releases(false);
  EXPECT_THROW(launcher->run(op(Collective::kAllReduce, b)), RuntimeFailure);
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_NE(reported.find("blocked inside ncclGroupEnd"), std::string::npos) << reported;
}

// Teardown: one group of finalisations, then every communicator destroyed.
TEST(NcclLauncher, TeardownFinalisesInOneGroupThenDestroys) {
  FakeCalls calls;
  auto launcher = make(calls, 30);
  launcher->init(ncclUniqueId{});
  calls.clear();
  launcher.reset();
  const std::vector<std::string> log = calls.log();
  const std::vector<std::string> expected = {"ncclGroupStart",   "ncclCommFinalize",
                                             "ncclCommFinalize", "ncclGroupEnd",
                                             "ncclCommDestroy",  "ncclCommDestroy"};
  ASSERT_GE(log.size(), expected.size());
  EXPECT_EQ(std::vector<std::string>(log.begin(), log.begin() + 6), expected);
}

}  // namespace
}  // namespace collbench
