#pragma once
// The backends compiled into this build; backend_registry() starts from this list.
#include <vector>

#include "collectives/backend.hpp"

namespace collbench {

std::vector<BackendEntry> builtin_backends();
std::vector<BackendEntry> test_fault_backend_entries();

// Why `backend` with `config` cannot have the GPU it needs in this build: CUDA's own reason
// (collectives/cuda/cuda_usable.hpp). nullopt when it needs none, or the build has no GPU code
// for it (its registry entry says so).
std::optional<std::string> gpu_unusable(std::string_view backend, const BackendConfig& config);

}  // namespace collbench
