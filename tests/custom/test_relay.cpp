// Plans with real bytes: every rank's plan (step_plan.hpp) runs in one process, messages handed
// over through a mailbox, so the packing, the relaying of all_to_all blocks (Bruck, hierarchical)
// and the delivery of reduced chunks are checked without MPI. The MPI executor moves the same
// messages; the harness tests run it.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "collectives/custom/all_to_all_blocks.hpp"
#include "collectives/custom/schedule.hpp"
#include "collectives/custom/step_plan.hpp"

namespace collbench {
namespace {

// Runs every rank's plan step by step: all messages of a step are packed (from the state before
// the step) before any is delivered. Also checks that sender and receiver agree on each message.
void run_loopback(const std::vector<std::vector<RankStep>>& plans,
                  const std::vector<ChunkAccess>& access) {
  const std::size_t steps = plans.front().size();
  for (std::size_t step = 0; step < steps; ++step) {
    std::map<std::pair<int, int>, std::vector<char>> mailbox;
    for (std::size_t rank = 0; rank < plans.size(); ++rank) {
      for (const PeerChunks& to : plans[rank][step].sends) {
        std::vector<char> buffer;
        const std::span<const char> message = pack_message(to, access[rank], buffer);
        mailbox[{static_cast<int>(rank), to.peer}].assign(message.begin(), message.end());
      }
    }
    for (std::size_t rank = 0; rank < plans.size(); ++rank) {
      for (const PeerChunks& from : plans[rank][step].receives) {
        auto it = mailbox.find({from.peer, static_cast<int>(rank)});
        ASSERT_NE(it, mailbox.end())
            << "step " << step << ": " << from.peer << " -> " << rank << " never sent";
        ASSERT_EQ(it->second.size(), message_bytes(from, access[rank]));
        unpack_message(from, access[rank], it->second.data());
        mailbox.erase(it);
      }
    }
    ASSERT_TRUE(mailbox.empty()) << "step " << step << ": a message nobody receives";
  }
}

std::vector<std::vector<RankStep>> plans_of(const Schedule& s) {
  std::vector<std::vector<RankStep>> plans;
  for (int r = 0; r < s.shape.nranks; ++r) plans.push_back(plan_for_rank(s, r));
  return plans;
}

// Block (s, d) holds bytes that name s, d and the byte's position.
char block_byte(int s, int d, std::size_t i) {
  return static_cast<char>(s * 31 + d * 7 + static_cast<int>(i) * 3);
}

void expect_all_to_all_delivers(const Schedule& s, std::size_t block) {
  const int n = s.shape.nranks;
  std::vector<std::vector<char>> send(n), recv(n);
  std::vector<AllToAllBlocks> blocks;
  std::vector<ChunkAccess> access;
  for (int r = 0; r < n; ++r) {
    send[r].resize(block * n);
    recv[r].assign(block * n, 0);
    for (int d = 0; d < n; ++d) {
      for (std::size_t i = 0; i < block; ++i) send[r][d * block + i] = block_byte(r, d, i);
    }
    blocks.emplace_back(r, n);
  }
  // Twice: the second call reuses the relay storage of the first.
  for (int call = 0; call < 2; ++call) {
    access.clear();
    for (int r = 0; r < n; ++r) {
      std::fill(recv[r].begin(), recv[r].end(), 0);
      blocks[r].start(send[r].data(), recv[r].data(), block);
      access.push_back(blocks[r].access());
    }
    run_loopback(plans_of(s), access);
    for (int d = 0; d < n; ++d) {
      for (int src = 0; src < n; ++src) {
        for (std::size_t i = 0; i < block; ++i) {
          ASSERT_EQ(recv[d][src * block + i], block_byte(src, d, i))
              << s.algorithm << " n=" << n << " k=" << s.shape.ranks_per_node << " block " << src
              << "->" << d << " byte " << i;
        }
      }
    }
  }
}

TEST(Relay, AllToAllSchedulesDeliverEveryBlock) {
  int runs = 0;
  for (const ScheduleEntry& entry : schedule_table()) {
    if (entry.collective != Collective::kAllToAll) continue;
    for (int n = 1; n <= 24; ++n) {
      for (int k : {1, 2, 3, 4, n}) {
        if (k > n || n % k != 0) continue;
        expect_all_to_all_delivers(entry.make({n, k}), 5);
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 150);
}

TEST(Relay, OneMessagePerPeerAndStep) {
  // Bruck at 8 ranks: every rank sends one message of 4 blocks per round, 3 rounds.
  const Schedule s = bruck_all_to_all({8, 8});
  for (int r = 0; r < 8; ++r) {
    const std::vector<RankStep> plan = plan_for_rank(s, r);
    ASSERT_EQ(plan.size(), 3u);
    for (const RankStep& step : plan) {
      ASSERT_EQ(step.sends.size(), 1u);
      ASSERT_EQ(step.receives.size(), 1u);
      EXPECT_EQ(step.sends.front().transfers.size(), 4u);
    }
  }
}

TEST(Relay, SendingABlockNotHeldIsAnError) {
  AllToAllBlocks blocks(0, 4);
  std::vector<char> send(4 * 8), recv(4 * 8);
  blocks.start(send.data(), recv.data(), 8);
  EXPECT_NO_THROW(blocks.held(0 * 4 + 2));                 // its own block to rank 2
  EXPECT_THROW(blocks.held(1 * 4 + 2), std::logic_error);  // rank 1's block to rank 2
}

// Reductions through the same packing: an int vector split in chunks, summed per the schedule.
void expect_sum(const Schedule& s, int64_t total) {
  const int n = s.shape.nranks;
  std::vector<std::vector<int>> work(n, std::vector<int>(static_cast<std::size_t>(total)));
  std::vector<ChunkAccess> access;
  for (int r = 0; r < n; ++r) {
    std::iota(work[r].begin(), work[r].end(), r * 1000);
    int* data = work[r].data();
    auto range = [&s, total](const Transfer& t) {
      return std::pair{total * t.chunk / s.nchunks, total * (t.chunk + 1) / s.nchunks};
    };
    access.push_back({[data, range](const Transfer& t) {
                        const auto [lo, hi] = range(t);
                        return std::span<const char>(
                            reinterpret_cast<const char*>(data + lo),
                            static_cast<std::size_t>(hi - lo) * sizeof(int));
                      },
                      [range](const Transfer& t) {
                        const auto [lo, hi] = range(t);
                        return static_cast<std::size_t>(hi - lo) * sizeof(int);
                      },
                      [data, range](const Transfer& t, const char* in) {
                        const auto [lo, hi] = range(t);
                        for (int64_t i = lo; i < hi; ++i) {
                          int v;
                          std::memcpy(&v, in + (i - lo) * sizeof(int), sizeof v);
                          data[i] = t.reduce ? data[i] + v : v;
                        }
                      }});
  }
  run_loopback(plans_of(s), access);
  for (int r = 0; r < n; ++r) {
    for (int64_t i = 0; i < total; ++i) {
      const bool checked =
          s.collective == Collective::kAllReduce || (i >= total * r / n && i < total * (r + 1) / n);
      if (!checked) continue;
      int want = 0;
      for (int q = 0; q < n; ++q) want += q * 1000 + static_cast<int>(i);
      ASSERT_EQ(work[r][i], want) << s.algorithm << " n=" << n << " rank " << r << " elt " << i;
    }
  }
}

TEST(Relay, ReductionsThroughPackedMessages) {
  for (int n : {1, 2, 3, 4, 6, 8}) {
    for (int k : {1, 2, n}) {
      if (n % k != 0) continue;
      for (const ScheduleEntry& entry : schedule_table()) {
        if (entry.collective != Collective::kAllReduce &&
            entry.collective != Collective::kReduceScatter) {
          continue;
        }
        expect_sum(entry.make({n, k}), 37);  // chunks of uneven length
      }
    }
  }
}

}  // namespace
}  // namespace collbench
