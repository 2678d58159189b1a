#include <chrono>

#include "collectives/backend.hpp"
#include "collectives/backends.hpp"
#include "core/errors.hpp"

namespace collbench {

namespace {

class SteadyClockTimer final : public SampleTimer {
 public:
  void start() override { start_ = std::chrono::steady_clock::now(); }
  void stop() override { stop_ = std::chrono::steady_clock::now(); }
  double seconds() override { return std::chrono::duration<double>(stop_ - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_, stop_;
};

}  // namespace

std::unique_ptr<SampleTimer> make_host_timer() {
  return std::make_unique<SteadyClockTimer>();
}

std::vector<BackendEntry>& backend_registry() {
  static std::vector<BackendEntry> registry = builtin_backends();
  return registry;
}

const BackendEntry* find_backend(std::string_view name) {
  for (const BackendEntry& entry : backend_registry()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::string backend_names() {
  std::string out = "auto";
  for (const BackendEntry& entry : backend_registry()) {
    if (entry.name.starts_with("test-")) continue;  // test-only backends stay out of --help
    out += ", ";
    out += entry.name;
  }
  return out;
}

std::string auto_backend_name(const BackendConfig& config) {
  if (const BackendEntry* nccl = find_backend("nccl"); nccl && !nccl->unavailable(config)) {
    return "nccl";
  }
  return "mpi";
}

std::unique_ptr<Backend> create_backend(std::string_view name, Runtime& runtime,
                                        const BackendConfig& config) {
  const std::string resolved = name == "auto" ? auto_backend_name(config) : std::string(name);
  const BackendEntry* entry = find_backend(resolved);
  if (entry == nullptr) {
    throw UsageError("unknown backend '" + resolved + "' (choose from " + backend_names() + ")");
  }
  if (auto why = entry->unavailable(config)) {
    throw UsageError("backend " + resolved + " is unavailable: " + *why);
  }
  return entry->create(runtime, config);
}

}  // namespace collbench
