#pragma once
#include "runtime/runtime.hpp"

namespace collbench {

class LocalRuntime final : public Runtime {
 public:
  explicit LocalRuntime(double timeout_s);
  SyncValues sync(const SyncValues& mine, const std::string& what) override;
  std::string library_version() const override;
  std::vector<std::string> gather_from_nodes(const std::string& mine, std::size_t bytes) override;
  [[noreturn]] void abort(int code) override;
  std::unique_ptr<Runtime> split(int color, int key, const std::string& what) override;
  std::vector<std::string> gather_strings(const std::string& mine,
                                          const std::string& what) override;
  void broadcast_string(std::string&, const std::string&) override {}

 private:
  explicit LocalRuntime(std::shared_ptr<ProgressMonitor> shared_progress);
};

}  // namespace collbench
