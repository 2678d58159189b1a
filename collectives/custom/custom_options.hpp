#pragma once
// The options of `--backend custom` (host and device memory), declared once for both.
#include <array>

#include "collectives/backend_options.hpp"
#include "collectives/custom/shm_collectives.hpp"

namespace collbench {

inline constexpr BackendOption kCustomAlgorithm{
    "algo",
    "custom backend: the algorithm (ring, rhd, one_shot, two_shot, hierarchical, "
    "pairwise, bruck, binomial; device memory also direct) or auto, by size and shape",
    "auto"};
inline constexpr BackendOption kCustomRanksPerNode{
    "ranks-per-node",
    "custom backend: group ranks into virtual nodes of K (hierarchical algorithms; 0: one node)",
    "0",
    "",
    false,
    [](const std::string& value) { return check_whole_number(value, 0, 1 << 24); }};
inline constexpr BackendOption kCustomPipelineBytes{
    "pipeline-bytes",
    "custom backend: two_shot's piece size in shared memory, bytes (0: no pipelining; 1048576)",
    "1048576",
    "COLLBENCH_CUSTOM_PIPELINE_BYTES",
    false,
    [](const std::string& value) { return check_whole_number(value, 0, int64_t{1} << 50); }};
static_assert(kDefaultPipelineBytes == 1048576, "kCustomPipelineBytes' default and help say 1 MiB");

inline constexpr std::array<BackendOption, 3> kCustomOptions{kCustomAlgorithm, kCustomRanksPerNode,
                                                             kCustomPipelineBytes};

}  // namespace collbench
