#include "runtime/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace collbench {

ProgressMonitor::ProgressMonitor(double timeout_s, bool print_on_timeout)
    : timeout_s_(timeout_s), print_on_timeout_(print_on_timeout) {
  if (timeout_s_ > 0) thread_ = std::thread([this] { watch(); });
}

ProgressMonitor::~ProgressMonitor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressMonitor::enter(std::string what) {
  std::lock_guard<std::mutex> lock(mutex_);
  what_ = std::move(what);
  since_ = Clock::now();
  polled_ = false;
}

void ProgressMonitor::enter_polled(std::string what) {
  std::lock_guard<std::mutex> lock(mutex_);
  what_ = std::move(what);
  since_ = Clock::now();
  polled_ = true;
}

void ProgressMonitor::set_identity(const Identity& who) {
  std::lock_guard<std::mutex> lock(mutex_);
  who_ = who.describe();
}

std::string ProgressMonitor::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return what_;
}

void ProgressMonitor::watch() {
  const auto limit = std::chrono::duration<double>(timeout_s_);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, std::chrono::milliseconds(100));
    if (stop_ || polled_) continue;
    if (Clock::now() - since_ < limit) continue;
    // A blocking call or device wait has outlived the timeout. The ranks holding it up cannot be
    // named from here: every rank in a blocking collective looks the same from inside it.
    const std::string message = "collbench: error: timeout: no progress for " +
                                std::to_string(static_cast<int>(timeout_s_)) + " s during " +
                                what_ + " (" + who_ + " blocked inside that call)\n";
    lock.unlock();
    if (print_on_timeout_) {
      std::fputs(message.c_str(), stderr);
      std::fflush(stderr);
    } else {
      std::this_thread::sleep_for(
          std::chrono::duration<double>(3 * timeout_grace_seconds(timeout_s_) + 1));
    }
    std::fflush(stdout);
    _exit(kExitRuntime);
  }
}

}  // namespace collbench
