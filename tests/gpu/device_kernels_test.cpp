// The CUDA kernels against the host reference (label gpu). Without a visible device every test
// skips; the binary is still compiled in every CUDA build, so CI keeps it building.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "collectives/collective.hpp"
#include "kernels/cuda_check.hpp"
#include "kernels/device_patterns.hpp"
#include "kernels/device_reduce.hpp"
#include "kernels/host_patterns.hpp"
#include "kernels/host_reduce.hpp"
#include "tests/gpu/gpu_test_support.hpp"

namespace collbench {
namespace {

class DeviceKernels : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda_device_visible()) GTEST_SKIP() << "no CUDA device visible";
    CB_CUDA(cudaSetDevice(0));
    CB_CUDA(cudaMalloc(&scratch_, kDeviceCheckScratchBytes));
    CB_CUDA(cudaMallocHost(reinterpret_cast<void**>(&host_), sizeof *host_));
  }
  void TearDown() override {
    if (scratch_) (void)cudaFree(scratch_);
    if (host_) (void)cudaFreeHost(host_);
  }

  void* device_buffer(std::size_t bytes) {
    void* p = nullptr;
    CB_CUDA(cudaMalloc(&p, bytes + 64));
    buffers_.emplace_back(p, [](void* q) { (void)cudaFree(q); });
    return p;
  }

  std::vector<unsigned char> read(const void* p, std::size_t bytes) {
    std::vector<unsigned char> out(bytes);
    CB_CUDA(cudaMemcpy(out.data(), p, bytes, cudaMemcpyDeviceToHost));
    return out;
  }

  int64_t device_wrong(DType d, const void* p, int64_t count, const Pattern& pat,
                       const OutputMap& map, int32_t rank) {
    return device_count_wrong(d, p, count, pat, map, rank, scratch_, host_, nullptr);
  }

  void* scratch_ = nullptr;
  unsigned long long* host_ = nullptr;
  std::vector<std::unique_ptr<void, void (*)(void*)>> buffers_;
};

// Device fill is byte-identical to host fill, for every type, pattern, rank and misalignment.
TEST_F(DeviceKernels, FillMatchesHostFill) {
  for (const DTypeInfo& info : all_dtypes()) {
    for (PatternKind kind : {PatternKind::kMove, PatternKind::kReduce}) {
      for (RedOp op : {RedOp::kSum, RedOp::kProd, RedOp::kMax}) {
        const Pattern p = make_pattern(kind, op, 6, info.exact_limit);
        for (int64_t offset : {int64_t{0}, int64_t{1}}) {
          const int64_t count = 100003;
          const std::size_t bytes = static_cast<std::size_t>(count) * info.size;
          char* dev = static_cast<char*>(device_buffer(bytes + info.size)) + offset * info.size;
          device_fill_input(info.id, dev, count, p, 5, nullptr, 17);
          std::vector<unsigned char> want(bytes);
          host_fill_input(info.id, want.data(), count, p, 5, 17);
          ASSERT_EQ(read(dev, bytes), want) << info.name << " offset " << offset;
        }
      }
    }
  }
}

// The device check agrees with the host check on correct data (zero) and on damaged data (the
// exact number of damaged elements), for data movement maps and every reduction op.
TEST_F(DeviceKernels, CountWrongMatchesHostCheck) {
  const int32_t n = 4;
  const int64_t block = 4096;
  for (const DTypeInfo& info : all_dtypes()) {
    struct Shape {
      OutputMap map;
      RedOp op;
    };
    std::vector<Shape> shapes = {{{false, SourceRank::kBlock, 0, block, block}, RedOp::kSum},
                                 {{false, SourceRank::kShift, -1, 0, 0}, RedOp::kSum}};
    for (RedOp op : {RedOp::kSum, RedOp::kProd, RedOp::kMax, RedOp::kMin, RedOp::kAvg}) {
      shapes.push_back({{true, SourceRank::kFixed, 0, 0, 3}, op});
    }
    for (const Shape& s : shapes) {
      const Pattern p = make_pattern(s.map.reduce ? PatternKind::kReduce : PatternKind::kMove, s.op,
                                     n, info.exact_limit);
      const int64_t count = block * n;
      const std::size_t bytes = static_cast<std::size_t>(count) * info.size;
      // Build the expected output on the host from the inputs, the way a library would.
      std::vector<unsigned char> out(bytes);
      std::vector<unsigned char> input(bytes);
      if (s.map.reduce) {
        host_fill_input(info.id, out.data(), count, p, 0, s.map.index_offset);
        for (int32_t r = 1; r < n; ++r) {
          host_fill_input(info.id, input.data(), count, p, r, s.map.index_offset);
          host_reduce(info.id, s.op, out.data(), input.data(), count);
        }
        if (s.op == RedOp::kAvg) host_finish_avg(info.id, out.data(), count, n);
      } else {
        const int32_t rank = 2;
        for (int64_t start = 0; start<count; start += s.map.block> 0 ? s.map.block : count) {
          const Source src = output_source(s.map, rank, n, start);
          const int64_t len = s.map.block > 0 ? s.map.block : count;
          host_fill_input(info.id, out.data() + start * info.size, len, p,
                          static_cast<int32_t>(src.rank), src.index);
        }
      }
      const int32_t rank = s.map.reduce ? 0 : 2;
      void* dev = device_buffer(bytes);
      CB_CUDA(cudaMemcpy(dev, out.data(), bytes, cudaMemcpyHostToDevice));
      const int64_t host_wrong = host_count_wrong(info.id, out.data(), count, p, s.map, rank);
      ASSERT_EQ(host_wrong, 0) << info.name;
      EXPECT_EQ(device_wrong(info.id, dev, count, p, s.map, rank), 0) << info.name;
      // Poison three elements: both checkers count exactly three.
      for (int64_t j : {int64_t{0}, count / 2, count - 1}) {
        std::memset(out.data() + j * info.size, 0xff, info.size);
      }
      CB_CUDA(cudaMemcpy(dev, out.data(), bytes, cudaMemcpyHostToDevice));
      EXPECT_EQ(host_count_wrong(info.id, out.data(), count, p, s.map, rank), 3) << info.name;
      EXPECT_EQ(device_wrong(info.id, dev, count, p, s.map, rank), 3) << info.name;
    }
  }
}

TEST_F(DeviceKernels, PoisonIsAllOnes) {
  void* dev = device_buffer(1000);
  device_poison(dev, 1000, nullptr);
  EXPECT_EQ(read(dev, 1000), std::vector<unsigned char>(1000, 0xff));
}

// Every dtype x op: the device reduction equals the host reduction bit for bit, aligned or not.
TEST_F(DeviceKernels, ReduceMatchesHostReduce) {
  for (const DTypeInfo& info : all_dtypes()) {
    for (RedOp op : {RedOp::kSum, RedOp::kProd, RedOp::kMax, RedOp::kMin, RedOp::kAvg}) {
      const Pattern p = make_pattern(PatternKind::kReduce, op, 3, info.exact_limit);
      for (int64_t offset : {int64_t{0}, int64_t{1}}) {
        const int64_t count = 65537;
        const std::size_t bytes = static_cast<std::size_t>(count) * info.size;
        std::vector<unsigned char> a(bytes), b(bytes);
        host_fill_input(info.id, a.data(), count, p, 0);
        host_fill_input(info.id, b.data(), count, p, 1);
        char* da = static_cast<char*>(device_buffer(bytes + info.size)) + offset * info.size;
        char* db = static_cast<char*>(device_buffer(bytes + info.size)) + offset * info.size;
        CB_CUDA(cudaMemcpy(da, a.data(), bytes, cudaMemcpyHostToDevice));
        CB_CUDA(cudaMemcpy(db, b.data(), bytes, cudaMemcpyHostToDevice));
        device_reduce3(info.id, op, da, da, db, count, nullptr);
        host_reduce(info.id, op, a.data(), b.data(), count);
        if (op == RedOp::kAvg) {
          device_finish_avg(info.id, da, count, 2, nullptr);
          host_finish_avg(info.id, a.data(), count, 2);
        }
        ASSERT_EQ(read(da, bytes), a) << info.name << " " << redop_info(op).name;
      }
    }
  }
}

TEST_F(DeviceKernels, SmCopyCopies) {
  std::vector<unsigned char> src(4099);
  for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<unsigned char>(i * 7);
  void* a = device_buffer(src.size());
  void* b = device_buffer(src.size());
  CB_CUDA(cudaMemcpy(a, src.data(), src.size(), cudaMemcpyHostToDevice));
  device_sm_copy(b, a, src.size(), nullptr);
  EXPECT_EQ(read(b, src.size()), src);
  device_sm_copy(b, a, 4096, nullptr);  // the 16-byte path
  EXPECT_EQ(read(b, 4096), std::vector<unsigned char>(src.begin(), src.begin() + 4096));
}

}  // namespace
}  // namespace collbench
