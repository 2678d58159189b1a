#pragma once
// Collectives executed in shared memory by the ranks of one node: the benchmark's buffers live in
// the node's shared windows (ShmNode), each rank reads its peers' buffers directly and writes only
// its own, and ranks meet at counter barriers in the shared control window, never at MPI calls.
//
// Every operation starts with a barrier, which guarantees that every input is ready and that no
// peer still reads what this operation writes (the previous operation has finished everywhere).
// An operation needs a second barrier only where a rank overwrites data peers still read (in-place
// all_to_all, in-place one-shot all_reduce, two-shot's hand-over).
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "collectives/backend.hpp"
#include "collectives/custom/reduce_inputs.hpp"
#include "collectives/custom/shm_node.hpp"

namespace collbench {

struct ShmContext {
  ShmNode& node;
  std::vector<char>& scratch;  // private to the rank, grown on demand
  std::size_t piece_bytes;     // reductions walk all inputs piece by piece (0: whole vectors)
  std::size_t pipeline_bytes;  // two-shot hands over pieces of this size (0: the whole vector)
};

// Two-shot's default piece: measured best of 256 KiB-4 MiB at 16-64 MiB on the CI VM
// (docs/performance.md); a piece's parts are still in the shared last-level cache when peers copy.
inline constexpr std::size_t kDefaultPipelineBytes = 1024 * 1024;

struct ShmAlgorithm {
  Collective collective;
  std::string_view algorithm;  // the schedule of the same name (schedule.hpp) it executes
  void (*run)(const ShmContext& context, const OpArgs& args);
};

// The shared-memory algorithms; the first row of a collective is what `auto` picks on one node.
const std::vector<ShmAlgorithm>& shm_algorithms();
const ShmAlgorithm* find_shm_algorithm(Collective c, std::string_view algorithm);

// Two-shot all_reduce inside the node with `between` applied to this rank's reduced chunk
// (elements, count) before the node's ranks copy it: the hierarchical all_reduce runs the
// all_reduce across nodes there. `avg_ranks` is the number of ranks an average divides by.
using ChunkStep = std::function<void(char* chunk, int64_t count)>;
void two_shot_all_reduce_around(const ShmContext& context, const OpArgs& args,
                                const ChunkStep& between, int avg_ranks);

}  // namespace collbench
