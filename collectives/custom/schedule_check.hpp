#pragma once
// Executes a schedule symbolically: every rank's every chunk is the set of ranks whose data it
// holds. The schedule is correct when the final sets are what the collective promises and no
// contribution is ever counted twice or overwritten mid-step. Up to 64 ranks.
#include <string>

#include "collectives/custom/schedule.hpp"

namespace collbench {

// Empty when correct, else the first problem found, e.g. "step 3: rank 2 chunk 1 receives
// rank 0's contribution twice".
std::string check_schedule(const Schedule& schedule, int root = 0);

}  // namespace collbench
