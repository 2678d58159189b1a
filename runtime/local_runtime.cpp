// The runtime of a build without MPI: one process, nothing to wait for.
#include <cstdlib>

#include "runtime/local_runtime.hpp"

namespace collbench {

LocalRuntime::LocalRuntime(double timeout_s)
    : Runtime(std::make_unique<ProgressMonitor>(timeout_s, true)) {
  identity_ = {0, 1, local_hostname()};
  hosts_ = {{identity_.host, 1}};
  progress_->set_identity(identity_);
}

LocalRuntime::LocalRuntime(std::shared_ptr<ProgressMonitor> shared_progress)
    : Runtime(std::move(shared_progress)) {
  identity_ = {0, 1, local_hostname()};
  hosts_ = {{identity_.host, 1}};
}

std::unique_ptr<Runtime> LocalRuntime::split(int color, int, const std::string&) {
  if (color == kNoGroup) return nullptr;
  return std::unique_ptr<Runtime>(new LocalRuntime(progress_));
}

std::vector<std::string> LocalRuntime::gather_strings(const std::string& mine, const std::string&) {
  return {mine};
}

SyncValues LocalRuntime::sync(const SyncValues& mine, const std::string&) {
  return mine;
}

std::string LocalRuntime::library_version() const {
  return "none";
}

std::vector<std::string> LocalRuntime::gather_from_nodes(const std::string& mine,
                                                         std::size_t bytes) {
  return {mine.substr(0, bytes)};
}

void LocalRuntime::abort(int code) {
  std::exit(code);
}

}  // namespace collbench
