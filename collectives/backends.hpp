#pragma once
// The backends compiled into this build; backend_registry() starts from this list.
#include <vector>

#include "collectives/backend.hpp"

namespace collbench {

std::vector<BackendEntry> builtin_backends();
std::vector<BackendEntry> test_fault_backend_entries();

}  // namespace collbench
