#pragma once
// Progress tracking and the watchdog behind --timeout. The harness names what it is doing at each
// step (cheaply: once per sample, never per operation); a thread ends the process with exit code 3
// when a step outlives the timeout. Steps that wait by polling (the runtime's sync) enforce their
// own deadline and can name the ranks that never arrived, so the watchdog leaves them alone;
// it exists for waits that cannot be polled: blocking library calls, start-up, device work.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/errors.hpp"

namespace collbench {

// How long the root waits for other ranks' timeout reports before it names the missing ones; the
// other ranks wait three times as long before ending themselves, so the root speaks first.
inline double timeout_grace_seconds(double timeout_s) {
  return timeout_s / 10.0 < 2.0 ? 2.0 : (timeout_s / 10.0 > 30.0 ? 30.0 : timeout_s / 10.0);
}

class ProgressMonitor {
 public:
  using Clock = std::chrono::steady_clock;

  // timeout_s <= 0 disables the watchdog. Only the rank with print_on_timeout set reports; the
  // others stay quiet for `grace` so that report can reach the terminal, then exit too.
  ProgressMonitor(double timeout_s, bool print_on_timeout);
  ~ProgressMonitor();
  ProgressMonitor(const ProgressMonitor&) = delete;
  ProgressMonitor& operator=(const ProgressMonitor&) = delete;

  // Marks the start of a step that the watchdog guards.
  void enter(std::string what);
  // Marks the start of a polled wait that enforces its own deadline.
  void enter_polled(std::string what);
  void set_identity(const Identity& who);
  double timeout_seconds() const { return timeout_s_; }
  std::string current() const;

 private:
  void watch();

  const double timeout_s_;
  const bool print_on_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string what_ = "start-up";
  std::string who_ = "rank ? on ?";
  Clock::time_point since_ = Clock::now();
  bool polled_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace collbench
