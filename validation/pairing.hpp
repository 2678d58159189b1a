#pragma once
// Who meets whom between nodes. Small fleets play a round-robin tournament: every node meets
// every other once, n-1 rounds of n/2 simultaneous pairs (n rounds with one bye each when n is
// odd). Large fleets play k rounds of random pairings, enough to judge each node against several
// different partners. Pure functions: the command and the simulation use the same schedules.
#include <cstdint>
#include <utility>
#include <vector>

namespace collbench {

// One round: disjoint pairs of node indices (a < b); nodes in no pair sit this round out.
using PairRound = std::vector<std::pair<int, int>>;

// The circle method: node 0 stays, the others rotate; every pair appears in exactly one round.
std::vector<PairRound> round_robin_rounds(int nodes);

// `rounds` independent random perfect matchings (one node left out per round when odd),
// deterministic for a seed so every rank computes the same schedule without talking.
std::vector<PairRound> random_pair_rounds(int nodes, int rounds, uint64_t seed);

// The schedule `collbench validate` uses: round robin up to `max_round_robin_nodes` nodes,
// otherwise `random_rounds` random rounds.
std::vector<PairRound> pairing_schedule(int nodes, int max_round_robin_nodes, int random_rounds,
                                        uint64_t seed);

}  // namespace collbench
