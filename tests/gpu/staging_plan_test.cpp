// Staging device buffers through host memory (--backend mpi --memory device without a CUDA-aware
// MPI) copies exactly the bytes an operation reads and writes. The GPU machine has no MPI, so
// this arithmetic is held to the harness's buffer layout here, for every collective and rank.
#include <gtest/gtest.h>

#include <vector>

#include "collectives/collective.hpp"
#include "collectives/staging_plan.hpp"

namespace collbench {
namespace {

TEST(StagingPlan, InPlaceRegionCoversInputAndOutputInsideTheAllocation) {
  const std::size_t elt = 4;
  for (const CollectiveSpec& spec : all_collectives()) {
    for (int n : {1, 2, 5, 8}) {
      const BufferLayout layout = spec.layout(4096, elt, n);
      const int64_t allocated = std::max(layout.send_count, layout.recv_count);
      std::vector<char> buffer(static_cast<std::size_t>(allocated) * elt);
      for (int rank = 0; rank < n; ++rank) {
        // The harness's in-place pointers (harness/measure.cpp).
        const char* send = buffer.data() + layout.send_inplace_offset * rank * elt;
        const char* recv = buffer.data() + layout.recv_inplace_offset * rank * elt;
        const StagingPlan plan =
            plan_staging(send, recv, layout.send_count, layout.recv_count, elt, true);
        ASSERT_TRUE(plan.single_region);
        EXPECT_EQ(plan.region + plan.send_offset, send) << spec.name;
        EXPECT_EQ(plan.region + plan.recv_offset, recv) << spec.name;
        EXPECT_LE(plan.send_offset + layout.send_count * elt, plan.region_bytes) << spec.name;
        EXPECT_LE(plan.recv_offset + layout.recv_count * elt, plan.region_bytes) << spec.name;
        EXPECT_GE(plan.region, buffer.data()) << spec.name;
        EXPECT_LE(plan.region + plan.region_bytes, buffer.data() + buffer.size())
            << spec.name << " rank " << rank << " of " << n;
      }
    }
  }
}

TEST(StagingPlan, OutOfPlaceStagesEachBufferWhole) {
  const std::size_t elt = 2;
  for (const CollectiveSpec& spec : all_collectives()) {
    const BufferLayout layout = spec.layout(1000, elt, 4);
    const StagingPlan plan =
        plan_staging(nullptr, nullptr, layout.send_count, layout.recv_count, elt, false);
    EXPECT_FALSE(plan.single_region);
    EXPECT_EQ(plan.send_bytes, static_cast<std::size_t>(layout.send_count) * elt) << spec.name;
    EXPECT_EQ(plan.recv_bytes, static_cast<std::size_t>(layout.recv_count) * elt) << spec.name;
  }
}

}  // namespace
}  // namespace collbench
