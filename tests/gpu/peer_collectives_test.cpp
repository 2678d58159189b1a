// The one-launch peer collectives (kernels/device_peer_collectives) with several ranks in one
// process on one GPU: each "rank" has its own buffers, flags and stream, and every rank's kernel
// runs at the same time, synchronising only through the flags, as separate processes would over
// CUDA IPC. Label gpu: skips without a device.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <vector>

#include "kernels/cuda_check.hpp"
#include "kernels/device_peer_collectives.hpp"

namespace collbench {
namespace {

class PeerCollectives : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
      (void)cudaGetLastError();
      GTEST_SKIP() << "no CUDA device visible";
    }
    CB_CUDA(cudaSetDevice(0));
  }
  void TearDown() override {
    for (void* p : allocations_) (void)cudaFree(p);
    for (cudaStream_t s : streams_) (void)cudaStreamDestroy(s);
  }
  void* alloc(std::size_t bytes) {
    void* p = nullptr;
    CB_CUDA(cudaMalloc(&p, bytes));
    CB_CUDA(cudaMemset(p, 0, bytes));
    allocations_.push_back(p);
    return p;
  }
  // n ranks' views of each other's buffers of `bytes`.
  std::vector<PeerBuffers> make_peers(int n, std::size_t bytes) {
    PeerBuffers all;
    all.nranks = n;
    for (int r = 0; r < n; ++r) {
      all.stage[r] = alloc(bytes);
      all.reduced[r] = alloc(bytes);
      all.flags[r] = static_cast<uint64_t*>(alloc(peer_flag_bytes()));
      cudaStream_t s = nullptr;
      CB_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
      streams_.push_back(s);
    }
    std::vector<PeerBuffers> views(static_cast<std::size_t>(n), all);
    for (int r = 0; r < n; ++r) views[static_cast<std::size_t>(r)].rank = r;
    return views;
  }
  std::vector<void*> allocations_;
  std::vector<cudaStream_t> streams_;
};

float input(int rank, int64_t i, int op) {
  return static_cast<float>((rank + 1) * (op + 1) + i % 7);
}

TEST_P(PeerCollectives, AllReduceOneAndTwoShot) {
  const int n = GetParam();
  for (int64_t count : {int64_t{1}, int64_t{1000}, int64_t{(1 << 20) + 3}}) {
    const std::size_t bytes = static_cast<std::size_t>(count) * sizeof(float);
    std::vector<PeerBuffers> peers = make_peers(n, bytes);
    std::vector<float*> send(static_cast<std::size_t>(n));
    std::vector<float*> recv(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
      send[r] = static_cast<float*>(alloc(bytes));
      recv[r] = static_cast<float*>(alloc(bytes));
    }
    uint64_t epoch = 0;
    for (int op = 0; op < 4; ++op) {  // back to back: the done flags guard buffer reuse
      const bool two_shot = op % 2 == 1;
      for (int r = 0; r < n; ++r) {
        std::vector<float> host(static_cast<std::size_t>(count));
        for (int64_t i = 0; i < count; ++i) host[i] = input(r, i, op);
        CB_CUDA(cudaMemcpy(send[r], host.data(), bytes, cudaMemcpyHostToDevice));
      }
      ++epoch;
      for (int r = 0; r < n; ++r) {
        auto launch = two_shot ? peer_all_reduce_two_shot : peer_all_reduce_one_shot;
        launch(DType::kFloat32, RedOp::kSum, peers[r], send[r], recv[r], count, epoch, streams_[r]);
      }
      CB_CUDA(cudaDeviceSynchronize());
      for (int r = 0; r < n; ++r) {
        std::vector<float> out(static_cast<std::size_t>(count));
        CB_CUDA(cudaMemcpy(out.data(), recv[r], bytes, cudaMemcpyDeviceToHost));
        for (int64_t i = 0; i < count; ++i) {
          float expected = 0;
          for (int q = 0; q < n; ++q) expected += input(q, i, op);
          ASSERT_EQ(out[i], expected) << n << " ranks, rank " << r << ", element " << i
                                      << (two_shot ? ", two-shot" : ", one-shot");
        }
      }
    }
  }
}

TEST_P(PeerCollectives, AllToAll) {
  const int n = GetParam();
  const int64_t block = 4096 + 12;  // not a multiple of 16: the byte tail path runs too
  const std::size_t bytes = static_cast<std::size_t>(block * n);
  std::vector<PeerBuffers> peers = make_peers(n, bytes);
  std::vector<unsigned char*> send(static_cast<std::size_t>(n));
  std::vector<unsigned char*> recv(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) {
    send[r] = static_cast<unsigned char*>(alloc(bytes));
    recv[r] = static_cast<unsigned char*>(alloc(bytes));
    std::vector<unsigned char> host(bytes);
    for (std::size_t i = 0; i < bytes; ++i) host[i] = static_cast<unsigned char>(r * 31 + i);
    CB_CUDA(cudaMemcpy(send[r], host.data(), bytes, cudaMemcpyHostToDevice));
  }
  for (uint64_t epoch = 1; epoch <= 2; ++epoch) {
    for (int r = 0; r < n; ++r)
      peer_all_to_all(peers[r], send[r], recv[r], block, epoch, streams_[r]);
    CB_CUDA(cudaDeviceSynchronize());
  }
  for (int r = 0; r < n; ++r) {
    std::vector<unsigned char> out(bytes);
    CB_CUDA(cudaMemcpy(out.data(), recv[r], bytes, cudaMemcpyDeviceToHost));
    for (int p = 0; p < n; ++p) {
      for (int64_t i = 0; i < block; ++i) {
        const auto expected = static_cast<unsigned char>(p * 31 + r * block + i);
        ASSERT_EQ(out[static_cast<std::size_t>(p * block + i)], expected)
            << "rank " << r << " block from " << p << " byte " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ranks, PeerCollectives, ::testing::Values(1, 2, 3, 4));

}  // namespace
}  // namespace collbench
