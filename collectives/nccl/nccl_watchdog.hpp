#pragma once
// The deadline behind -T for NCCL: a thread that watches the span from the first call of a unit
// of work (initialisation, warm-up, one timed sample, teardown) to its completion. The launch
// path never polls, sleeps or checks a clock for it: arm() is two relaxed atomic stores, done
// before the start events are recorded. When a span outlives its limit, the watchdog thread
// takes `on_expiry`'s report (the launcher names the stuck ranks), publishes it (fired()), then
// runs `on_abort` (ncclCommAbort, which makes the blocked NCCL call or stream return); the
// guarded thread throws the report when it comes back. If it has not come back after `grace_s`,
// `on_unresponsive` reports and ends the process.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace collbench {

class NcclWatchdog {
 public:
  // `what`: the step that was armed; returns the report.
  using Expiry = std::function<std::string(const char* what)>;
  using Abort = std::function<void()>;
  using Unresponsive = std::function<void(const std::string& report)>;

  // limit_s <= 0: never fires (no thread). A default `on_unresponsive` prints
  // "collbench: error: <report>" and exits with code 3.
  NcclWatchdog(double limit_s, double grace_s, Expiry on_expiry, Abort on_abort,
               Unresponsive on_unresponsive = {});
  ~NcclWatchdog();
  NcclWatchdog(const NcclWatchdog&) = delete;
  NcclWatchdog& operator=(const NcclWatchdog&) = delete;

  // Starts a span unless one is open, and names the current step (a string that outlives it).
  void arm(const char* what) {
    what_.store(what, std::memory_order_relaxed);
    if (since_ns_.load(std::memory_order_relaxed) == 0) {
      since_ns_.store(now_ns(), std::memory_order_relaxed);
    }
  }
  // Ends the span: its work completed.
  void disarm() { since_ns_.store(0, std::memory_order_relaxed); }

  // Whether the deadline passed; the guarded thread then calls take_report() and throws it.
  bool fired() const { return fired_.load(std::memory_order_acquire); }
  // The report, and tells the watchdog the guarded thread is handling it.
  std::string take_report();

 private:
  static int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void watch();

  const int64_t limit_ns_;
  const double grace_s_;
  Expiry on_expiry_;
  Abort on_abort_;
  Unresponsive on_unresponsive_;
  std::atomic<int64_t> since_ns_{0};
  std::atomic<const char*> what_{"start-up"};
  std::atomic<bool> fired_{false};
  std::atomic<bool> taken_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::string report_;
  std::thread thread_;
};

}  // namespace collbench
