#pragma once
// What the NCCL backend does with its communicators, behind the NcclCalls seam: blocking
// communicators created in one group, one group per operation (or per -m batch), the sample
// timer's events, graph capture, completion and teardown, all under one NcclWatchdog.
//
// The timing model (docs/gpu.md): between a sample's start and stop events the host issues
// only the operations (ncclGroupStart, one NCCL call per local rank, ncclGroupEnd; -G: one
// cudaGraphLaunch per local rank) and, with -m, the ncclGroupEnd that closes the batch. The
// communicators are blocking, so ncclGroupEnd returns once the work is enqueued; nothing polls,
// sleeps or waits between the events. Completion (polling the streams and NCCL's asynchronous
// errors) comes after the stop events.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "collectives/backend.hpp"
#include "collectives/cuda/device_memory.hpp"
#include "collectives/nccl/nccl_calls.hpp"
#include "collectives/nccl/nccl_watchdog.hpp"

namespace collbench {

// One local rank: its GPU and its rank in the communicator.
struct NcclRank {
  int device = 0;
  int rank = 0;
};

class NcclLauncher {
 public:
  // `who`: "rank 0 on node1" for messages. timeout_s (-T, 0 = never): the watchdog aborts a
  // unit of work that is not done after 90 % of it, so this report precedes the harness's.
  NcclLauncher(NcclCalls& calls, std::string who, std::vector<NcclRank> ranks, int nranks,
               double timeout_s, int agg_iters, NcclWatchdog::Unresponsive on_unresponsive = {});
  // Finalises and destroys the communicators under the deadline (nothing after an abort).
  ~NcclLauncher();
  NcclLauncher(const NcclLauncher&) = delete;
  NcclLauncher& operator=(const NcclLauncher&) = delete;

  // Creates every local rank's communicator (blocking config, one group).
  void init(const ncclUniqueId& id);
  // Issues one operation on every local rank; with -m M every M calls form one group.
  void run(const OpArgs& args);
  // Closes an open -m batch (its ncclGroupEnd enqueues the batch).
  void end_batch();
  // Waits for every stream, checking NCCL's asynchronous errors (after the stop events).
  void complete();
  std::unique_ptr<SampleTimer> make_timer();
  std::unique_ptr<CapturedOps> capture(const OpArgs& args, int ops);

  std::vector<DeviceSlot> device_slots() const;
  double watchdog_limit_s() const { return limit_s_; }

 private:
  struct Slot {
    int device = 0;
    int rank = 0;
    cudaStream_t stream = nullptr;
    ncclComm_t comm = nullptr;  // written under comms_mutex_: the watchdog reads it
  };
  friend class NcclTimer;
  friend class NcclGraph;

  void issue(const OpArgs& args);
  // Throws the watchdog's report when it fired, else NCCL's error for a failed call.
  void check(ncclResult_t result, const char* call, const Slot& slot);
  void check_cuda(cudaError_t result, const char* call, const Slot& slot);
  // Polls one slot once: true when its stream is done.
  bool poll(const Slot& slot);
  // Aborts every communicator (once, from either thread); callers hold comms_mutex_.
  void abort_all();
  [[noreturn]] void fail(const std::string& call, const Slot& slot, const std::string& error);
  std::string describe(const Slot& slot);
  // On the watchdog thread: names the stuck ranks (the abort follows once this is published).
  std::string on_deadline(const char* what);
  void throw_if_fired();

  NcclCalls& calls_;
  const std::string who_;
  const int nranks_;
  const int agg_iters_;
  const double timeout_s_;
  const double limit_s_;
  int batched_ = 0;  // run() calls in the open -m group
  const char* last_op_ = "completion";
  std::vector<Slot> slots_;
  std::mutex comms_mutex_;  // the communicators against the watchdog's abort
  bool aborted_ = false;
  // The blocking host call in progress (nullptr: none), for the watchdog's report.
  std::atomic<const char*> host_call_{nullptr};
  NcclWatchdog watchdog_;  // last: stopped before the rest is torn down
};

}  // namespace collbench
