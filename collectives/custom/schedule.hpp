#pragma once
// Collbench's own algorithms as schedules: plain data saying, step by step, which rank moves which
// chunk to whom and whether the receiver reduces it or stores it. Schedules know nothing of how
// bytes move; transports (host shared memory, MPI point-to-point, CUDA peer memory) execute them,
// and the simulator (schedule_check.hpp) proves each one correct without moving a byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "collectives/collective.hpp"

namespace collbench {

// One transfer of a step: `dst` receives chunk `chunk` of `src`'s buffer into its own chunk
// `chunk`, adding it to what it holds (`reduce`) or replacing it. All transfers of a step happen
// together: each reads the sender's state from before the step.
struct Transfer {
  int src;
  int dst;
  int64_t chunk;
  bool reduce;
};

struct Step {
  std::vector<Transfer> transfers;
};

// Ranks [node * ranks_per_node, (node + 1) * ranks_per_node) form a node.
struct Shape {
  int nranks = 1;
  int ranks_per_node = 1;  // == nranks for a single node
  int nodes() const { return (nranks + ranks_per_node - 1) / ranks_per_node; }
};

struct Schedule {
  Collective collective;
  std::string algorithm;
  Shape shape;
  // Chunks per rank buffer. all_to_all uses nranks x nranks chunks, chunk s * n + d being the
  // block rank s sends to rank d; the others split the (reduced or gathered) buffer.
  int64_t nchunks = 1;
  std::vector<Step> steps;
};

// The algorithms, by collective. Each returns an empty optional-like schedule with no steps for
// a single rank. Throws std::invalid_argument when the shape does not suit the algorithm.
Schedule ring_all_reduce(const Shape& shape);
Schedule rhd_all_reduce(const Shape& shape);  // recursive halving-doubling, any rank count
Schedule one_shot_all_reduce(const Shape& shape);
Schedule two_shot_all_reduce(const Shape& shape);
Schedule hierarchical_all_reduce(const Shape& shape);      // intra RS, inter per rail, intra AG
Schedule hierarchical_all_gather(const Shape& shape);      // inter per rail, then intra
Schedule hierarchical_reduce_scatter(const Shape& shape);  // intra, then inter per rail
Schedule ring_all_gather(const Shape& shape);
Schedule ring_reduce_scatter(const Shape& shape);
Schedule one_shot_all_gather(const Shape& shape);      // every rank reads every block at once
Schedule one_shot_reduce_scatter(const Shape& shape);  // rank c reduces chunk c from all inputs
Schedule pairwise_all_to_all(const Shape& shape);
Schedule bruck_all_to_all(const Shape& shape);
Schedule hierarchical_all_to_all(const Shape& shape);  // aggregate per node
Schedule binomial_broadcast(const Shape& shape, int root);
Schedule one_shot_broadcast(const Shape& shape, int root);  // every rank reads the root's buffer
Schedule hierarchical_broadcast(const Shape& shape, int root);  // root's rail, then each node

struct ScheduleEntry {
  Collective collective;
  const char* algorithm;
  Schedule (*make)(const Shape& shape);
  Schedule (*make_rooted)(const Shape& shape, int root) = nullptr;  // rooted collectives
};
// What `--algo auto` runs over point-to-point for `bytes` per rank (the largest of a rank's send
// and receive buffers) on `shape`: latency-bound sizes take the algorithms with the fewest steps,
// larger ones across (virtual) nodes the hierarchical ones, which cross the slow tier least
// (thresholds measured in docs/custom-collectives.md). On one node with shared memory the backend
// picks its shared-memory algorithms before asking here.
const char* auto_algorithm(Collective collective, const Shape& shape, std::size_t bytes);

// Every algorithm with a fixed root of 0 where one is needed (the table the backend and the
// tests read).
const std::vector<ScheduleEntry>& schedule_table();

}  // namespace collbench
