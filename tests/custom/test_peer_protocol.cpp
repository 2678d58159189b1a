// The peer kernels' protocol (kernels/peer_protocol.hpp) on the CPU: its pure functions, and a
// model in host threads (one thread per block of each rank, flags as atomics, each staged element
// tagged with the operation that wrote it) that runs back-to-back operations of different layouts.
// The model with the old rule (a block waits only for the same block of its peers before it
// writes) lets a rank overwrite bytes a peer's other block still reads; with the protocol's write
// gate (every block of every peer drained the previous operation) no read ever sees a newer tag.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "bench/peer_traffic.hpp"
#include "kernels/peer_protocol.hpp"

namespace collbench {
namespace {

TEST(PeerProtocol, SlicesPartitionTheCountOnAlignedBoundaries) {
  for (int64_t count : {0, 1, 7, 16, 100, 1000, 4099}) {
    for (int parts : {1, 2, 3, 32, 132}) {
      for (int64_t align : {1, 2, 8, 16}) {
        int64_t next = 0;
        for (int p = 0; p < parts; ++p) {
          const PeerSlice s = peer_slice(count, p, parts, align);
          EXPECT_EQ(s.lo, next) << count << " " << parts << " " << align << " part " << p;
          EXPECT_LE(s.lo, s.hi);
          if (s.lo < count) {
            EXPECT_EQ(s.lo % align, 0);
          }
          next = s.hi;
        }
        EXPECT_EQ(next, count) << count << " " << parts << " " << align;
      }
    }
  }
}

// Why a same-block wait is not enough: the slices move when the count or the datatype changes.
TEST(PeerProtocol, ASlicesBlockChangesWithTheLayout) {
  const PeerSlice before = peer_slice(400, 1, 4, 1);  // block 1, 400 elements
  const PeerSlice after = peer_slice(200, 2, 4, 1);   // block 2, 200 elements
  EXPECT_LT(after.lo, before.hi);
  EXPECT_LT(before.lo, after.hi);  // they overlap: block 2 writes what block 1 read
  // Same count, other datatype (alignment 16 elements for 1-byte types, 2 for 8-byte ones).
  const PeerSlice bytes = peer_slice(1000, 1, 8, 16);
  const PeerSlice words = peer_slice(1000, 1, 8, 2);
  EXPECT_NE(bytes.lo, words.lo);
}

TEST(PeerProtocol, FlagWordsAreDistinctAndInsideTheArray) {
  std::set<int64_t> seen;
  for (int phase = 0; phase < kPeerBlockPhases; ++phase) {
    for (int r = 0; r < kMaxPeerRanks; ++r) {
      for (int b : {0, 1, kMaxPeerBlocks - 1}) seen.insert(peer_block_flag(phase, r, b));
    }
  }
  for (int r = 0; r < kMaxPeerRanks; ++r) seen.insert(peer_done_flag(r));
  seen.insert(peer_arrival_counter());
  EXPECT_EQ(seen.size(), std::size_t{kPeerBlockPhases * kMaxPeerRanks * 3 + kMaxPeerRanks + 1});
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), peer_flag_words() - 1);
}

TEST(PeerProtocol, GateArrivalAndTimeoutRules) {
  EXPECT_EQ(peer_write_gate(1), 0u);  // the first operation waits for nothing
  EXPECT_EQ(peer_write_gate(9), 8u);
  EXPECT_FALSE(peer_last_arrival(0, 4));
  EXPECT_TRUE(peer_last_arrival(3, 4));
  EXPECT_TRUE(peer_last_arrival(0, 1));
  EXPECT_FALSE(peer_wait_expired(0, uint64_t{1} << 62, 0));  // 0: never
  EXPECT_FALSE(peer_wait_expired(100, 1100, 1000));
  EXPECT_TRUE(peer_wait_expired(100, 1101, 1000));
}

TEST(PeerProtocol, GridFitsResidentBlocksSharedAmongRanksOnOneGpu) {
  EXPECT_EQ(peer_grid_blocks(132, 8, 4, 1), 528 > kMaxPeerBlocks ? kMaxPeerBlocks : 528);
  EXPECT_EQ(peer_grid_blocks(132, 2, 4, 1), 264);  // occupancy limits
  EXPECT_EQ(peer_grid_blocks(132, 4, 4, 4), 132);  // four ranks' kernels share the SMs
  EXPECT_EQ(peer_grid_blocks(1, 1, 4, 16), 1);     // never zero
  EXPECT_EQ(peer_grid_blocks(0, 0, 4, 0), 1);
}

// bench_peer_allreduce's traffic model: one rank's two-shot is three copies of S (stage, reduce
// of one input, gather), 6S; n ranks each move 5S plus their S/n piece.
TEST(PeerProtocol, TrafficModel) {
  EXPECT_DOUBLE_EQ(two_shot_traffic_bytes(100, 1), 600);
  EXPECT_DOUBLE_EQ(two_shot_traffic_bytes(100, 4), 4 * 500 + 100);
  EXPECT_DOUBLE_EQ(one_shot_traffic_bytes(100, 1), 400);
  EXPECT_DOUBLE_EQ(one_shot_traffic_bytes(100, 2), 2 * 500);
}

// --- The model -------------------------------------------------------------------------------

enum class Gate { kSameBlockOnly, kWholeGridDrained };

struct ModelRank {
  explicit ModelRank(std::size_t elements, int blocks)
      : stage(elements),
        flags(static_cast<std::size_t>(peer_flag_words())),
        old_done(static_cast<std::size_t>(kMaxPeerRanks * blocks)),
        kernel_end(blocks) {}
  std::vector<std::atomic<uint64_t>> stage;     // each element: the epoch that wrote it
  std::vector<std::atomic<uint64_t>> flags;     // the protocol's flag array (peer_protocol.hpp)
  std::vector<std::atomic<uint64_t>> old_done;  // the old rule's per-block done flags
  std::barrier<> kernel_end;                    // a launch ends when all its blocks end
};

struct Model {
  Gate gate;
  int nranks;
  int blocks;
  std::vector<int64_t> counts;  // one operation each, epochs from 1
  std::vector<int64_t> aligns;
  // The reader that dawdles: this rank's block, in operation 1, reads peer 0's slice only once
  // peer 0 has written into it again or `patience` has passed.
  int slow_rank = -1;
  int slow_block = -1;
  std::chrono::milliseconds patience{300};

  std::atomic<int64_t> stale_reads{0};
  std::atomic<bool> stuck{false};
  std::vector<std::unique_ptr<ModelRank>> ranks;

  void wait_for(std::atomic<uint64_t>& word, uint64_t epoch) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (word.load(std::memory_order_acquire) < epoch) {
      if (std::chrono::steady_clock::now() > deadline) {
        stuck = true;
        return;
      }
      std::this_thread::yield();
    }
  }

  void block(int r, int b) {
    ModelRank& me = *ranks[static_cast<std::size_t>(r)];
    for (std::size_t op = 0; op < counts.size(); ++op) {
      const uint64_t epoch = op + 1;
      const PeerSlice s = peer_slice(counts[op], b, blocks, aligns[op]);
      // The gate before any write into shared buffers.
      for (int q = 0; q < nranks; ++q) {
        if (gate == Gate::kWholeGridDrained) {
          wait_for(me.flags[static_cast<std::size_t>(peer_done_flag(q))], peer_write_gate(epoch));
        } else {
          wait_for(me.old_done[static_cast<std::size_t>(q * blocks + b)], epoch - 1);
        }
      }
      for (int64_t i = s.lo; i < s.hi; ++i) {
        me.stage[static_cast<std::size_t>(i)].store(epoch, std::memory_order_relaxed);
      }
      for (int q = 0; q < nranks; ++q) {
        ranks[static_cast<std::size_t>(q)]
            ->flags[static_cast<std::size_t>(peer_block_flag(kPeerReady, r, b))]
            .store(epoch, std::memory_order_release);
      }
      for (int q = 0; q < nranks; ++q) {
        wait_for(me.flags[static_cast<std::size_t>(peer_block_flag(kPeerReady, q, b))], epoch);
      }
      // One-shot's reads: the same slice of every rank's staging buffer.
      for (int q = 0; q < nranks; ++q) {
        ModelRank& peer = *ranks[static_cast<std::size_t>(q)];
        if (r == slow_rank && b == slow_block && q == 0 && epoch == 1) dawdle(peer, s, epoch);
        for (int64_t i = s.lo; i < s.hi; ++i) {
          if (peer.stage[static_cast<std::size_t>(i)].load(std::memory_order_relaxed) != epoch) {
            ++stale_reads;
          }
        }
      }
      // Done reading.
      if (gate == Gate::kWholeGridDrained) {
        auto& arrivals = me.flags[static_cast<std::size_t>(peer_arrival_counter())];
        if (peer_last_arrival(arrivals.fetch_add(1, std::memory_order_acq_rel), blocks)) {
          arrivals.store(0, std::memory_order_relaxed);
          for (int q = 0; q < nranks; ++q) {
            ranks[static_cast<std::size_t>(q)]
                ->flags[static_cast<std::size_t>(peer_done_flag(r))]
                .store(epoch, std::memory_order_release);
          }
        }
      } else {
        for (int q = 0; q < nranks; ++q) {
          ranks[static_cast<std::size_t>(q)]
              ->old_done[static_cast<std::size_t>(r * blocks + b)]
              .store(epoch, std::memory_order_release);
        }
      }
      me.kernel_end.arrive_and_wait();  // the next launch on this rank's stream starts after
    }
  }

  void dawdle(ModelRank& peer, const PeerSlice& s, uint64_t epoch) {
    const auto until = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < until) {
      for (int64_t i = s.lo; i < s.hi; ++i) {
        if (peer.stage[static_cast<std::size_t>(i)].load(std::memory_order_relaxed) > epoch) return;
      }
      std::this_thread::yield();
    }
  }

  void run() {
    int64_t largest = 0;
    for (int64_t c : counts) largest = std::max(largest, c);
    for (int r = 0; r < nranks; ++r) {
      ranks.push_back(std::make_unique<ModelRank>(static_cast<std::size_t>(largest), blocks));
    }
    std::vector<std::thread> threads;
    for (int r = 0; r < nranks; ++r) {
      for (int b = 0; b < blocks; ++b) threads.emplace_back([this, r, b] { block(r, b); });
    }
    for (std::thread& t : threads) t.join();
  }
};

// Rank 1's block 1 reads [100, 200) of rank 0 in the 400-element operation; in the 200-element
// operation after it, rank 0's block 2 writes [100, 150). The old rule lets it, since rank 1's
// block 2 finished long ago.
void make_slow_reader(Model& m, Gate gate) {
  m.gate = gate;
  m.nranks = 2;
  m.blocks = 4;
  m.counts = {400, 200};
  m.aligns = {1, 1};
  m.slow_rank = 1;
  m.slow_block = 1;
}

TEST(PeerProtocolModel, OldSameBlockRuleOverwritesWhatAPeerStillReads) {
  Model m{};
  make_slow_reader(m, Gate::kSameBlockOnly);
  m.run();
  EXPECT_FALSE(m.stuck);
  EXPECT_GT(m.stale_reads.load(), 0) << "the old rule should let rank 0 overwrite rank 1's read";
}

TEST(PeerProtocolModel, WriteGateWaitsForEveryBlockOfEveryPeer) {
  Model m{};
  make_slow_reader(m, Gate::kWholeGridDrained);
  m.run();
  EXPECT_FALSE(m.stuck);
  EXPECT_EQ(m.stale_reads.load(), 0);
}

// Many operations of random counts and element sizes back to back, 3 ranks: never a stale read,
// never stuck.
TEST(PeerProtocolModel, RandomLayoutsBackToBackStayConsistent) {
  std::mt19937_64 random(13);
  Model m{};
  m.gate = Gate::kWholeGridDrained;
  m.nranks = 3;
  m.blocks = 5;
  for (int op = 0; op < 60; ++op) {
    m.counts.push_back(std::uniform_int_distribution<int64_t>(1, 3000)(random));
    m.aligns.push_back(int64_t{16} >> std::uniform_int_distribution<int>(0, 3)(random));
  }
  m.run();
  EXPECT_FALSE(m.stuck);
  EXPECT_EQ(m.stale_reads.load(), 0);
}

}  // namespace
}  // namespace collbench
