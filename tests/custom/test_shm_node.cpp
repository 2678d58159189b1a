// ShmNode under mpirun (3 ranks): peers see each other's buffers, freed windows are reused and
// released, and publish()/wait_for() order a peer's writes before the reads that wait for them.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdint>
#include <cstring>

#include "collectives/custom/shm_node.hpp"

namespace collbench {
namespace {

Identity me() {
  Identity who;
  MPI_Comm_rank(MPI_COMM_WORLD, &who.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &who.size);
  who.host = "test";
  return who;
}

TEST(ShmNode, PeersSeeEachOthersBuffers) {
  const Identity who = me();
  ShmNode node(MPI_COMM_WORLD, who, 60.0, who.size);
  Buffer buffer = node.allocate(4096);
  auto* mine = static_cast<int32_t*>(buffer.data());
  for (int i = 0; i < 1024; ++i) mine[i] = who.rank * 10000 + i;
  node.barrier();
  for (int peer = 0; peer < node.size(); ++peer) {
    const auto* theirs = static_cast<const int32_t*>(node.peer_address(mine + 7, peer));
    EXPECT_EQ(*theirs, peer * 10000 + 7) << "peer " << peer;
  }
  node.barrier();  // nobody frees the window while a peer still reads it
}

TEST(ShmNode, FreedWindowsAreReusedThenReleased) {
  const Identity who = me();
  ShmNode node(MPI_COMM_WORLD, who, 60.0, who.size);
  void* first = nullptr;
  void* second = nullptr;
  {
    Buffer a = node.allocate(1 << 20);
    Buffer b = node.allocate(1 << 20);
    first = a.data();
    second = b.data();
  }
  {
    // Both freed windows fit: the first of the smallest is taken, the same on every rank.
    Buffer smaller = node.allocate(1 << 19);
    Buffer other = node.allocate(1 << 19);
    EXPECT_EQ(smaller.data(), first);
    EXPECT_EQ(other.data(), second);
    EXPECT_EQ(node.windows(), 2u);
  }
  Buffer larger = node.allocate(4 << 20);  // nothing free fits: the free windows are released
  EXPECT_EQ(node.windows(), 1u);
  EXPECT_NO_THROW(node.peer_address(larger.data(), 0));
}

TEST(ShmNode, ProgressOrdersPeersWrites) {
  const Identity who = me();
  ShmNode node(MPI_COMM_WORLD, who, 60.0, who.size);
  constexpr int kPieces = 64;
  constexpr int kInts = 256;
  Buffer buffer = node.allocate(kPieces * kInts * sizeof(int64_t));
  auto* mine = static_cast<int64_t*>(buffer.data());
  for (int op = 0; op < 5; ++op) {  // several operations: the counts restart at each barrier
    node.barrier();
    int64_t wrong = 0;
    for (int j = 0; j < kPieces; ++j) {
      for (int i = 0; i < kInts; ++i) mine[j * kInts + i] = (op * 1000 + j) * 10 + who.rank;
      node.publish();
      const int peer = (node.rank() + 1) % node.size();
      node.wait_for(peer, static_cast<uint64_t>(j + 1));
      const auto* theirs = static_cast<const int64_t*>(node.peer_address(mine, peer));
      for (int i = 0; i < kInts; ++i) wrong += theirs[j * kInts + i] != (op * 1000 + j) * 10 + peer;
    }
    EXPECT_EQ(wrong, 0) << "op " << op;
    node.barrier();  // peers are done reading before the next operation overwrites
  }
}

// -T reaches the node's waits: a peer that never publishes is named after the timeout, and a
// timeout of 0 means no deadline (a late peer is waited for).
TEST(ShmNode, WaitsHonourTheTimeout) {
  const Identity who = me();
  if (who.size < 2) GTEST_SKIP() << "needs a peer (runs as test_shm_node_np3)";
  {
    ShmNode node(MPI_COMM_WORLD, who, 0.3, who.size);
    if (node.rank() == 0) {
      const double start = MPI_Wtime();
      try {
        node.wait_for(1, 1);
        ADD_FAILURE() << "the wait for a silent peer returned";
      } catch (const RuntimeFailure& e) {
        EXPECT_NE(std::string(e.what()).find("node-local rank 1 never reached"), std::string::npos)
            << e.what();
      }
      EXPECT_LT(MPI_Wtime() - start, 5.0);
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
  ShmNode patient(MPI_COMM_WORLD, who, 0.0, who.size);
  patient.barrier();
  if (patient.rank() == 1) {
    const double start = MPI_Wtime();
    while (MPI_Wtime() - start < 0.2) {
    }
    patient.publish();
  }
  if (patient.rank() == 0) {
    EXPECT_NO_THROW(patient.wait_for(1, 1));
  }
  patient.barrier();
}

// A buffer may outlive its node (unwinding from an error): freeing it then touches nothing.
TEST(ShmNode, BufferOutlivesItsNode) {
  const Identity who = me();
  Buffer survivor;
  {
    ShmNode node(MPI_COMM_WORLD, who, 60.0, who.size);
    survivor = node.allocate(4096);
    node.barrier();
  }
  survivor = Buffer();
  SUCCEED();
}

}  // namespace
}  // namespace collbench

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  int any = failed != 0 ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
