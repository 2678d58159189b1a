#include "collectives/nccl/nccl_launcher.hpp"

#include <algorithm>
#include <cstdio>

#include "collectives/nccl/nccl_types.hpp"
#include "core/errors.hpp"

namespace collbench {

namespace {

// The deadline is 90 % of -T so this report comes before the harness's generic one; the guarded
// thread then has 5 % of -T to come back with it before the watchdog ends the process itself.
constexpr double kDeadlineShare = 0.9;
constexpr double kGraceShare = 0.05;

std::string cuda_text(cudaError_t error) {
  return std::string(cudaGetErrorName(error)) + " (" + std::to_string(static_cast<int>(error)) +
         "): " + cudaGetErrorString(error);
}

}  // namespace

// Times a sample on every local stream; the slowest stream's time counts, as the harness takes
// the slowest rank.
class NcclTimer final : public SampleTimer {
 public:
  explicit NcclTimer(NcclLauncher& launcher) : l_(launcher) {
    for (const NcclLauncher::Slot& slot : l_.slots_) {
      Pair pair;
      l_.check_cuda(l_.calls_.set_device(slot.device), "cudaSetDevice", slot);
      l_.check_cuda(l_.calls_.event_create(&pair.start), "cudaEventCreate", slot);
      l_.check_cuda(l_.calls_.event_create(&pair.stop), "cudaEventCreate", slot);
      events_.push_back(pair);
    }
  }
  ~NcclTimer() override {
    for (const Pair& pair : events_) {
      (void)l_.calls_.event_destroy(pair.start);
      (void)l_.calls_.event_destroy(pair.stop);
    }
  }
  // The watchdog's span starts before the first event: arming is two atomic stores.
  void start() override {
    l_.watchdog_.arm("a timed sample");
    record(&Pair::start);
  }
  // An open -m batch is enqueued first, so the stop events follow every timed operation.
  void stop() override {
    l_.end_batch();
    record(&Pair::stop);
  }
  // Called after complete(): the events have fired.
  double seconds() override {
    double slowest = 0;
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const NcclLauncher::Slot& slot = l_.slots_[i];
      l_.check_cuda(l_.calls_.event_synchronize(events_[i].stop), "cudaEventSynchronize", slot);
      float ms = 0;
      l_.check_cuda(l_.calls_.event_elapsed_ms(&ms, events_[i].start, events_[i].stop),
                    "cudaEventElapsedTime", slot);
      slowest = std::max(slowest, static_cast<double>(ms) * 1e-3);
    }
    return slowest;
  }

 private:
  struct Pair {
    cudaEvent_t start = nullptr;
    cudaEvent_t stop = nullptr;
  };
  void record(cudaEvent_t Pair::*which) {
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const NcclLauncher::Slot& slot = l_.slots_[i];
      l_.check_cuda(l_.calls_.set_device(slot.device), "cudaSetDevice", slot);
      l_.check_cuda(l_.calls_.event_record(events_[i].*which, slot.stream), "cudaEventRecord",
                    slot);
    }
  }

  NcclLauncher& l_;
  std::vector<Pair> events_;
};

// -G: the captured operations of every local rank, launched together.
class NcclGraph final : public CapturedOps {
 public:
  NcclGraph(NcclLauncher& launcher, std::vector<cudaGraphExec_t> execs)
      : l_(launcher), execs_(std::move(execs)) {}
  ~NcclGraph() override {
    for (cudaGraphExec_t exec : execs_) (void)l_.calls_.graph_exec_destroy(exec);
  }
  void launch() override {
    l_.watchdog_.arm("a graph launch");
    for (std::size_t i = 0; i < execs_.size(); ++i) {
      const NcclLauncher::Slot& slot = l_.slots_[i];
      l_.check_cuda(l_.calls_.set_device(slot.device), "cudaSetDevice", slot);
      l_.check_cuda(l_.calls_.graph_launch(execs_[i], slot.stream), "cudaGraphLaunch", slot);
    }
  }

 private:
  NcclLauncher& l_;
  std::vector<cudaGraphExec_t> execs_;
};

NcclLauncher::NcclLauncher(NcclCalls& calls, std::string who, std::vector<NcclRank> ranks,
                           int nranks, double timeout_s, int agg_iters,
                           NcclWatchdog::Unresponsive on_unresponsive)
    : calls_(calls),
      who_(std::move(who)),
      nranks_(nranks),
      agg_iters_(agg_iters),
      timeout_s_(timeout_s),
      limit_s_(timeout_s > 0 ? kDeadlineShare * timeout_s : 0),
      watchdog_(
          limit_s_, std::max(0.05, kGraceShare * timeout_s),
          [this](const char* what) { return on_deadline(what); },
          [this] {
            std::lock_guard<std::mutex> lock(comms_mutex_);
            abort_all();
          },
          std::move(on_unresponsive)) {
  for (const NcclRank& r : ranks) {
    Slot slot;
    slot.device = r.device;
    slot.rank = r.rank;
    check_cuda(calls_.set_device(slot.device), "cudaSetDevice", slot);
    check_cuda(calls_.stream_create(&slot.stream), "cudaStreamCreateWithFlags", slot);
    slots_.push_back(slot);
  }
}

// Grouped finalisation (one thread drives several communicators: finalising them one by one
// could wait on a peer not yet finalised), then destroy. Destructors cannot report, so a
// failure here only chooses abort over destroy.
NcclLauncher::~NcclLauncher() {
  bool clean = false;
  {
    std::lock_guard<std::mutex> lock(comms_mutex_);
    clean = !aborted_;
  }
  const bool any = std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.comm; });
  if (clean && any && !watchdog_.fired()) {
    watchdog_.arm("ncclCommFinalize");
    host_call_.store("ncclCommFinalize", std::memory_order_relaxed);
    bool ok = calls_.group_start() == ncclSuccess;
    for (const Slot& slot : slots_) {
      if (ok && slot.comm) ok = calls_.comm_finalize(slot.comm) == ncclSuccess;
    }
    ok = calls_.group_end() == ncclSuccess && ok;
    host_call_.store(nullptr, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(comms_mutex_);
    if (watchdog_.fired()) {
      (void)watchdog_.take_report();  // it aborted them
    } else if (!ok) {
      abort_all();
    } else {
      for (Slot& slot : slots_) {
        if (slot.comm) (void)calls_.comm_destroy(slot.comm);
        slot.comm = nullptr;
      }
    }
    watchdog_.disarm();
  }
  for (const Slot& slot : slots_) {
    (void)calls_.set_device(slot.device);
    if (slot.stream) (void)calls_.stream_destroy(slot.stream);
  }
}

std::vector<DeviceSlot> NcclLauncher::device_slots() const {
  std::vector<DeviceSlot> out;
  for (const Slot& slot : slots_) out.push_back({slot.device, slot.stream});
  return out;
}

// Blocking communicators: their operations' ncclGroupEnd returns once the work is enqueued, so
// the launch path needs no polling. Initialisation is guarded by the watchdog instead of polled.
void NcclLauncher::init(const ncclUniqueId& id) {
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 1;
  watchdog_.arm("ncclCommInitRankConfig");
  host_call_.store("ncclCommInitRankConfig", std::memory_order_relaxed);
  check(calls_.group_start(), "ncclGroupStart", slots_.front());
  for (Slot& slot : slots_) {
    check_cuda(calls_.set_device(slot.device), "cudaSetDevice", slot);
    ncclComm_t comm = nullptr;
    const ncclResult_t made = calls_.comm_init_rank(&comm, nranks_, id, slot.rank, &config);
    {
      std::lock_guard<std::mutex> lock(comms_mutex_);
      slot.comm = comm;  // inside a group NCCL hands out the handle at once
    }
    check(made, "ncclCommInitRankConfig", slot);
  }
  check(calls_.group_end(), "ncclGroupEnd (communicator initialisation)", slots_.front());
  host_call_.store(nullptr, std::memory_order_relaxed);
  watchdog_.disarm();
}

void NcclLauncher::run(const OpArgs& args) {
  const char* name = collective_spec(args.collective).name.data();
  last_op_ = name;
  watchdog_.arm(name);
  if (agg_iters_ > 1 && batched_ == 0) check(calls_.group_start(), "ncclGroupStart", slots_[0]);
  issue(args);
  if (agg_iters_ > 1 && ++batched_ == agg_iters_) end_batch();
}

namespace {

// One rank's share of an operation, as the NCCL calls take it.
struct RankCall {
  NcclCalls& calls;
  const void* send;
  void* recv;
  size_t count;
  ncclDataType_t type;
  ncclRedOp_t op;
  int root;
  int nranks;
  int rank;
  std::size_t block;  // bytes of `count` elements
  ncclComm_t comm;
  cudaStream_t stream;
};

ncclResult_t issue_all_reduce(const RankCall& c) {
  return c.calls.all_reduce(c.send, c.recv, c.count, c.type, c.op, c.comm, c.stream);
}
ncclResult_t issue_all_gather(const RankCall& c) {
  return c.calls.all_gather(c.send, c.recv, c.count, c.type, c.comm, c.stream);
}
ncclResult_t issue_reduce_scatter(const RankCall& c) {
  return c.calls.reduce_scatter(c.send, c.recv, c.count, c.type, c.op, c.comm, c.stream);
}
// Point-to-point pairs inside the caller's group, as nccl-tests issues them.
ncclResult_t issue_all_to_all(const RankCall& c) {
  for (int peer = 0; peer < c.nranks; ++peer) {
    const std::size_t at = c.block * static_cast<std::size_t>(peer);
    ncclResult_t r = c.calls.send(static_cast<const char*>(c.send) + at, c.count, c.type, peer,
                                  c.comm, c.stream);
    if (r == ncclSuccess) {
      r = c.calls.recv(static_cast<char*>(c.recv) + at, c.count, c.type, peer, c.comm, c.stream);
    }
    if (r != ncclSuccess) return r;
  }
  return ncclSuccess;
}
ncclResult_t issue_broadcast(const RankCall& c) {
  return c.calls.broadcast(c.send, c.recv, c.count, c.type, c.root, c.comm, c.stream);
}
ncclResult_t issue_reduce(const RankCall& c) {
  return c.calls.reduce(c.send, c.recv, c.count, c.type, c.op, c.root, c.comm, c.stream);
}
ncclResult_t issue_sendrecv(const RankCall& c) {
  const int next = (c.rank + 1) % c.nranks;
  const int prev = (c.rank - 1 + c.nranks) % c.nranks;
  const ncclResult_t r = c.calls.send(c.send, c.count, c.type, next, c.comm, c.stream);
  return r == ncclSuccess ? c.calls.recv(c.recv, c.count, c.type, prev, c.comm, c.stream) : r;
}

// The one place that maps collectives onto NCCL calls.
using IssueFn = ncclResult_t (*)(const RankCall&);
constexpr CollectiveTable<IssueFn> kIssue = {{{Collective::kAllReduce, issue_all_reduce},
                                              {Collective::kAllGather, issue_all_gather},
                                              {Collective::kReduceScatter, issue_reduce_scatter},
                                              {Collective::kAllToAll, issue_all_to_all},
                                              {Collective::kBroadcast, issue_broadcast},
                                              {Collective::kReduce, issue_reduce},
                                              {Collective::kSendRecv, issue_sendrecv}}};
static_assert(in_collective_order(kIssue), "one row per collective, in enumeration order");

}  // namespace

// One group for every local rank: a single thread drives all of them without deadlock.
void NcclLauncher::issue(const OpArgs& args) {
  const CollectiveSpec& spec = collective_spec(args.collective);
  const ncclDataType_t type = kNcclTypes.at(static_cast<std::size_t>(args.dtype));
  const ncclRedOp_t op = spec.uses_op ? kNcclOps.at(static_cast<std::size_t>(args.op)) : ncclSum;
  const auto count = static_cast<size_t>(args.layout.param_count);
  const std::size_t block = count * dtype_info(args.dtype).size;
  const IssueFn issue_one = kIssue.at(collective_index(args.collective)).value;
  check(calls_.group_start(), "ncclGroupStart", slots_[0]);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    const RankCall call{calls_,    args.send[i], args.recv[i], count, type,   op,
                        args.root, nranks_,      s.rank,       block, s.comm, s.stream};
    check(issue_one(call), spec.name.data(), s);
  }
  // Blocking: returns once enqueued. It can wait for peers (connection set-up on first use);
  // the watchdog guards that, the host never polls here.
  host_call_.store("ncclGroupEnd", std::memory_order_relaxed);
  const ncclResult_t end = calls_.group_end();
  host_call_.store(nullptr, std::memory_order_relaxed);
  check(end, "ncclGroupEnd", slots_[0]);
}

void NcclLauncher::end_batch() {
  if (batched_ == 0) return;
  batched_ = 0;
  host_call_.store("ncclGroupEnd (-m batch)", std::memory_order_relaxed);
  const ncclResult_t end = calls_.group_end();
  host_call_.store(nullptr, std::memory_order_relaxed);
  check(end, "ncclGroupEnd (-m batch)", slots_[0]);
}

// After the stop events: polls each stream and NCCL's asynchronous error, so a failed peer ends
// the run with NCCL's error at once; a hang ends at the watchdog's deadline.
void NcclLauncher::complete() {
  end_batch();
  watchdog_.arm(last_op_);
  for (const Slot& slot : slots_) {
    check_cuda(calls_.set_device(slot.device), "cudaSetDevice", slot);
    while (!poll(slot)) calls_.yield();
  }
  watchdog_.disarm();
}

bool NcclLauncher::poll(const Slot& slot) {
  cudaError_t status = cudaSuccess;
  ncclResult_t call = ncclSuccess;
  ncclResult_t state = ncclSuccess;
  {
    // The watchdog aborts only between polls, never under a query of a communicator.
    std::lock_guard<std::mutex> lock(comms_mutex_);
    if (!watchdog_.fired() && !aborted_) {
      status = calls_.stream_query(slot.stream);
      if (status == cudaErrorNotReady) call = calls_.comm_get_async_error(slot.comm, &state);
    }
  }
  throw_if_fired();
  if (status == cudaSuccess) return true;
  if (status != cudaErrorNotReady) check_cuda(status, "cudaStreamQuery", slot);
  check(call, "ncclCommGetAsyncError", slot);
  if (state != ncclSuccess && state != ncclInProgress) {
    fail("operation (asynchronous error)", slot, ncclGetErrorString(state));
  }
  return false;
}

std::unique_ptr<SampleTimer> NcclLauncher::make_timer() {
  return std::make_unique<NcclTimer>(*this);
}

std::unique_ptr<CapturedOps> NcclLauncher::capture(const OpArgs& args, int ops) {
  for (const Slot& slot : slots_) {
    check_cuda(calls_.set_device(slot.device), "cudaSetDevice", slot);
    check_cuda(calls_.begin_capture(slot.stream), "cudaStreamBeginCapture", slot);
  }
  for (int i = 0; i < ops; ++i) run(args);
  end_batch();
  std::vector<cudaGraphExec_t> execs;
  for (const Slot& slot : slots_) {
    check_cuda(calls_.set_device(slot.device), "cudaSetDevice", slot);
    cudaGraphExec_t exec = nullptr;
    check_cuda(calls_.end_capture(slot.stream, &exec), "cudaStreamEndCapture", slot);
    execs.push_back(exec);
  }
  watchdog_.disarm();  // nothing runs until the graph is launched
  return std::make_unique<NcclGraph>(*this, std::move(execs));
}

void NcclLauncher::throw_if_fired() {
  if (watchdog_.fired()) throw RuntimeFailure(watchdog_.take_report());
}

void NcclLauncher::check(ncclResult_t result, const char* call, const Slot& slot) {
  throw_if_fired();  // a call the watchdog broke off reports the deadline, not its own error
  if (result == ncclSuccess) return;
  std::string error = ncclGetErrorString(result);
  // A blocking communicator never answers ncclInProgress; say so rather than wait for it.
  if (result == ncclInProgress) error += " (unexpected on a blocking communicator)";
  fail(call, slot, error);
}

void NcclLauncher::check_cuda(cudaError_t result, const char* call, const Slot& slot) {
  throw_if_fired();
  if (result != cudaSuccess) fail(call, slot, cuda_text(result));
}

std::string NcclLauncher::describe(const Slot& slot) {
  return who_ + " (nccl rank " + std::to_string(slot.rank) + ", device " +
         std::to_string(slot.device) + " " + calls_.pci_bus_id(slot.device) + ")";
}

void NcclLauncher::abort_all() {
  if (aborted_) return;
  aborted_ = true;
  for (Slot& slot : slots_) {
    if (slot.comm) (void)calls_.comm_abort(slot.comm);
  }
}

// Aborts every communicator so no peer waits on us and no NCCL thread outlives the report.
void NcclLauncher::fail(const std::string& call, const Slot& slot, const std::string& error) {
  std::string message = describe(slot) + ": " + call + ": " + error;
  std::lock_guard<std::mutex> lock(comms_mutex_);
  if (slot.comm && !aborted_) {
    const std::string last = calls_.last_error(slot.comm);
    if (!last.empty()) message += ": " + last;
  }
  abort_all();
  throw RuntimeFailure(message);
}

std::string NcclLauncher::on_deadline(const char* what) {
  std::lock_guard<std::mutex> lock(comms_mutex_);
  std::string stuck;
  for (const Slot& slot : slots_) {
    std::string why;
    (void)calls_.set_device(slot.device);  // this thread's device only
    const cudaError_t status = slot.stream ? calls_.stream_query(slot.stream) : cudaSuccess;
    if (status == cudaErrorNotReady) {
      why = "its stream has not finished";
    } else if (status != cudaSuccess) {
      why = "its stream failed: " + cuda_text(status);
    }
    ncclResult_t state = ncclSuccess;
    if (slot.comm && calls_.comm_get_async_error(slot.comm, &state) == ncclSuccess &&
        state != ncclSuccess && state != ncclInProgress) {
      why += (why.empty() ? "" : ", ") + std::string("NCCL error: ") + ncclGetErrorString(state);
    }
    if (!why.empty()) {
      stuck += (stuck.empty() ? "" : "; ") + std::string("nccl rank ") + std::to_string(slot.rank) +
               " (device " + std::to_string(slot.device) + " " + calls_.pci_bus_id(slot.device) +
               "): " + why;
    }
  }
  const char* host = host_call_.load(std::memory_order_relaxed);
  if (host != nullptr) {
    std::string ranks;
    for (const Slot& slot : slots_) ranks += (ranks.empty() ? "" : ",") + std::to_string(slot.rank);
    stuck += (stuck.empty() ? "" : "; ") + std::string("nccl ranks ") + ranks + " blocked inside " +
             host + " (it waits for every peer to join)";
  }
  if (stuck.empty()) stuck = "no local rank looks stuck (the deadline passed as it completed)";
  char limit[64];
  std::snprintf(limit, sizeof limit, "%.3g s (90%% of -T/--timeout %.3g s)", limit_s_, timeout_s_);
  return who_ + ": timeout: " + what + " did not finish within " + limit + ": stuck: " + stuck +
         "; communicators aborted (ncclCommAbort)";
}

}  // namespace collbench
