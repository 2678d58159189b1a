#include <algorithm>
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

const std::vector<BackendEntry>& backend_registry() {
  static const std::vector<BackendEntry> registry = builtin_backends();
  return registry;
}

const BackendEntry* find_backend(std::string_view name) {
  for (const BackendEntry& entry : backend_registry()) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::vector<const BackendOption*> all_backend_options() {
  std::vector<const BackendOption*> out;
  for (const BackendEntry& entry : backend_registry()) {
    for (const BackendOption& option : entry.options) {
      const bool seen = std::any_of(out.begin(), out.end(),
                                    [&](const BackendOption* o) { return o->name == option.name; });
      if (!seen) out.push_back(&option);
    }
  }
  return out;
}

void check_backend_options(const BackendEntry& backend, const BackendOptionValues& values) {
  for (const std::string& name : values.on_command_line()) {
    if (declares(backend.options, name)) continue;
    std::string owners;
    for (const BackendEntry& entry : backend_registry()) {
      if (!declares(entry.options, name) || entry.name.starts_with("test-")) continue;
      owners += (owners.empty() ? "" : ", ") + std::string(entry.name);
    }
    throw UsageError("--" + name + " is an option of backend " +
                     (owners.empty() ? std::string("test-*") : owners) + ", not of " +
                     std::string(backend.name));
  }
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
  check_backend_options(*entry, config.options);
  // A GPU CUDA cannot use is the machine's problem, not the backend's: CUDA's reason alone.
  if (auto why = gpu_unusable(resolved, config)) throw UsageError(*why);
  if (auto why = entry->unavailable(config)) {
    throw UsageError("backend " + resolved + " is unavailable: " + *why);
  }
  return entry->create(runtime, config);
}

}  // namespace collbench
