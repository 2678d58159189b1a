#include "collectives/nccl/nccl_watchdog.hpp"

#include <unistd.h>

#include <cstdio>

#include "core/errors.hpp"

namespace collbench {

NcclWatchdog::NcclWatchdog(double limit_s, double grace_s, Expiry on_expiry, Abort on_abort,
                           Unresponsive on_unresponsive)
    : limit_ns_(static_cast<int64_t>(limit_s * 1e9)),
      grace_s_(grace_s),
      on_expiry_(std::move(on_expiry)),
      on_abort_(std::move(on_abort)),
      on_unresponsive_(std::move(on_unresponsive)) {
  if (!on_unresponsive_) {
    on_unresponsive_ = [](const std::string& report) {
      std::fprintf(stderr, "collbench: error: %s\n", report.c_str());
      std::fflush(stderr);
      std::fflush(stdout);
      _exit(kExitRuntime);
    };
  }
  if (limit_ns_ > 0) thread_ = std::thread([this] { watch(); });
}

NcclWatchdog::~NcclWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string NcclWatchdog::take_report() {
  std::lock_guard<std::mutex> lock(mutex_);
  taken_.store(true, std::memory_order_release);
  wake_.notify_all();
  return report_;
}

// Wakes every 20 ms: deadlines are seconds, and the thread costs nothing the events measure.
void NcclWatchdog::watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(20));
    if (stop_) return;
    const int64_t since = since_ns_.load(std::memory_order_relaxed);
    if (since == 0 || now_ns() - since < limit_ns_) continue;
    const char* what = what_.load(std::memory_order_relaxed);
    lock.unlock();
    std::string report = on_expiry_(what);
    lock.lock();
    report_ = std::move(report);
    // Published before the abort, so the call it breaks off reports the deadline, not its error.
    fired_.store(true, std::memory_order_release);
    lock.unlock();
    on_abort_();
    lock.lock();
    const auto grace = std::chrono::duration<double>(grace_s_);
    if (!wake_.wait_for(lock, grace, [this] { return stop_ || taken_.load(); })) {
      const std::string text = report_;
      lock.unlock();
      on_unresponsive_(text);
      lock.lock();
    }
    return;  // fires once: the communicators are gone
  }
}

}  // namespace collbench
