// The one-launch peer collectives (kernels/device_peer_collectives) with several ranks in one
// process on one GPU: each "rank" has its own buffers, flags and stream, and every rank's kernel
// runs at the same time, synchronising only through the flags, as separate processes would over
// CUDA IPC. Operations are launched back to back with no host synchronisation between them, so
// the write gate (kernels/peer_protocol.hpp) is what keeps changing layouts apart. Label gpu:
// skips without a device.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/cuda_check.hpp"
#include "kernels/device_peer_collectives.hpp"
#include "tests/gpu/gpu_test_support.hpp"

namespace collbench {
namespace {

template <typename T>
using AccumulatorOf = std::conditional_t<std::is_arithmetic_v<T>, T, float>;

class PeerCollectives : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (!cuda_device_visible()) GTEST_SKIP() << "no CUDA device visible";
    CB_CUDA(cudaSetDevice(0));
  }
  void TearDown() override {
    for (void* p : allocations_) (void)cudaFree(p);
    for (cudaStream_t s : streams_) (void)cudaStreamDestroy(s);
    if (status_) (void)cudaFreeHost(status_);
  }
  void* alloc(std::size_t bytes) {
    void* p = nullptr;
    CB_CUDA(cudaMalloc(&p, bytes));
    CB_CUDA(cudaMemset(p, 0, bytes));
    allocations_.push_back(p);
    return p;
  }
  // n ranks' views of each other's buffers of `bytes`, one grid size for all (as the backend
  // agrees on one), the waits bounded by `timeout_ns`.
  std::vector<PeerBuffers> make_peers(int n, std::size_t bytes, uint64_t timeout_ns = 0) {
    PeerBuffers all;
    all.nranks = n;
    all.blocks = peer_launch_blocks(n);
    all.timeout_ns = timeout_ns;
    CB_CUDA(cudaHostAlloc(reinterpret_cast<void**>(&status_), sizeof(PeerWaitStatus),
                          cudaHostAllocMapped));
    std::memset(status_, 0, sizeof(PeerWaitStatus));
    CB_CUDA(cudaHostGetDevicePointer(reinterpret_cast<void**>(&all.status), status_, 0));
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
  PeerWaitStatus* status_ = nullptr;
};

// Small integers: every dtype holds them, and products of four stay in range.
int input_value(int rank, int64_t i, int salt) {
  return static_cast<int>((rank + i + salt) % 3) + 1;
}

// One all_reduce on every rank, with its own buffers, checked after the streams drain.
struct Pending {
  DType dtype;
  RedOp op;
  int64_t count;
  int salt;
  std::size_t recv_offset;  // bytes: a misaligned output exercises the lane-by-lane stores
  bool two_shot;
  uint64_t epoch;
  std::vector<void*> send;
  std::vector<void*> recv;
};

// The kernels' documented arithmetic: rank 0's value first, combined in Acc, rounded once.
std::vector<unsigned char> expected_bytes(const Pending& p, int n) {
  std::vector<unsigned char> out(static_cast<std::size_t>(p.count) * dtype_info(p.dtype).size);
  for_dtype(p.dtype, [&]<typename T>() {
    using Acc = AccumulatorOf<T>;
    for (int64_t i = 0; i < p.count; ++i) {
      Acc acc = static_cast<Acc>(static_cast<T>(static_cast<Acc>(input_value(0, i, p.salt))));
      for (int r = 1; r < n; ++r) {
        const Acc x = static_cast<Acc>(static_cast<T>(static_cast<Acc>(input_value(r, i, p.salt))));
        acc = apply_redop<T, Acc>(p.op == RedOp::kAvg ? RedOp::kSum : p.op, acc, x);
      }
      const T result = static_cast<T>(acc);
      std::memcpy(out.data() + i * static_cast<int64_t>(sizeof(T)), &result, sizeof(T));
    }
  });
  return out;
}

std::vector<unsigned char> input_bytes(DType dtype, int rank, int64_t count, int salt) {
  std::vector<unsigned char> out(static_cast<std::size_t>(count) * dtype_info(dtype).size);
  for_dtype(dtype, [&]<typename T>() {
    using Acc = AccumulatorOf<T>;
    for (int64_t i = 0; i < count; ++i) {
      const T v = static_cast<T>(static_cast<Acc>(input_value(rank, i, salt)));
      std::memcpy(out.data() + i * static_cast<int64_t>(sizeof(T)), &v, sizeof(T));
    }
  });
  return out;
}

class PeerOps : public PeerCollectives {
 protected:
  // One all_reduce's inputs and outputs on every rank, allocated and filled before any launch.
  Pending prepare(int n, DType dtype, RedOp op, int64_t count, bool two_shot, uint64_t epoch,
                  std::size_t recv_offset = 0) {
    const std::size_t bytes = static_cast<std::size_t>(count) * dtype_info(dtype).size;
    Pending p{dtype, op, count, static_cast<int>(epoch % 7), recv_offset, two_shot, epoch, {}, {}};
    for (int r = 0; r < n; ++r) {
      void* send = alloc(bytes);
      const std::vector<unsigned char> host = input_bytes(dtype, r, count, p.salt);
      CB_CUDA(cudaMemcpy(send, host.data(), bytes, cudaMemcpyHostToDevice));
      p.send.push_back(send);
      p.recv.push_back(static_cast<unsigned char*>(alloc(bytes + recv_offset)) + recv_offset);
    }
    return p;
  }
  // Every operation on every rank's stream, back to back: no synchronisation with the host
  // between them, so many operations queue up while earlier ones still run.
  void launch_all(std::vector<PeerBuffers>& peers, const std::vector<Pending>& pending) {
    CB_CUDA(cudaDeviceSynchronize());  // the inputs are in place
    for (const Pending& p : pending) {
      for (std::size_t r = 0; r < peers.size(); ++r) {
        auto launch = p.two_shot ? peer_all_reduce_two_shot : peer_all_reduce_one_shot;
        launch(p.dtype, p.op, peers[r], p.send[r], p.recv[r], p.count, p.epoch, streams_[r]);
      }
    }
    CB_CUDA(cudaDeviceSynchronize());
    EXPECT_EQ(status_->timed_out, 0u);
  }
  void check(const Pending& p, int n, const std::string& what) {
    const std::vector<unsigned char> want = expected_bytes(p, n);
    const std::size_t elt = dtype_info(p.dtype).size;
    for (int r = 0; r < n; ++r) {
      std::vector<unsigned char> got(want.size());
      CB_CUDA(cudaMemcpy(got.data(), p.recv[static_cast<std::size_t>(r)], got.size(),
                         cudaMemcpyDeviceToHost));
      for (std::size_t i = 0; i < got.size(); i += elt) {
        ASSERT_EQ(std::memcmp(got.data() + i, want.data() + i, elt), 0)
            << what << ": " << n << " ranks, rank " << r << ", " << dtype_info(p.dtype).name << " "
            << redop_info(p.op).name << ", count " << p.count << ", element " << i / elt;
      }
    }
  }
};

// Every datatype and redop, both algorithms, an odd count (scalar head and tail around the
// vectors) and a misaligned output, all enqueued back to back before one synchronisation.
TEST_P(PeerOps, EveryDtypeAndRedop) {
  const int n = GetParam();
  std::vector<PeerBuffers> peers = make_peers(n, 8 * 4099);
  std::vector<Pending> pending;
  uint64_t epoch = 0;
  for (const DTypeInfo& info : all_dtypes()) {
    for (RedOp op : {RedOp::kSum, RedOp::kProd, RedOp::kMax, RedOp::kMin}) {
      for (bool two_shot : {false, true}) {
        const std::size_t offset = epoch % 3 == 2 ? info.size : 0;
        pending.push_back(prepare(n, info.id, op, 4099, two_shot, ++epoch, offset));
      }
    }
  }
  launch_all(peers, pending);
  for (const Pending& p : pending) check(p, n, "every dtype and redop");
}

// Sizes that move every slice boundary, one- and two-shot alternating, on the same flags and
// shared buffers with no host synchronisation: a block may only write once every peer block has
// read the previous layout.
TEST_P(PeerOps, BackToBackSizesOnTheSameFlags) {
  const int n = GetParam();
  const std::vector<int64_t> counts{(1 << 20) + 3, 17, 300001, 1, 196609, 4096, (1 << 20), 5};
  std::vector<PeerBuffers> peers = make_peers(n, 8 * ((1 << 20) + 3));
  std::vector<Pending> pending;
  uint64_t epoch = 0;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t k = 0; k < counts.size(); ++k) {
      const DType dtype =
          k % 2 == 0 ? DType::kFloat32 : (k % 3 == 0 ? DType::kInt8 : DType::kFloat64);
      pending.push_back(prepare(n, dtype, RedOp::kSum, counts[k], (k + round) % 2 == 1, ++epoch));
    }
  }
  launch_all(peers, pending);
  for (const Pending& p : pending) check(p, n, "back to back");
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
  for (uint64_t epoch = 1; epoch <= 3; ++epoch) {  // back to back, no host synchronisation
    for (int r = 0; r < n; ++r) {
      peer_all_to_all(peers[r], send[r], recv[r], epoch == 2 ? block / 2 : block, epoch,
                      streams_[r]);
    }
  }
  CB_CUDA(cudaDeviceSynchronize());
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

// A peer that never launches: rank 0's kernel gives up after the timeout instead of hanging, and
// says which rank it waited for, in which phase and operation. Two ranks; other counts pass.
TEST_P(PeerCollectives, AMissingPeerIsNamed) {
  if (GetParam() != 2) return;
  std::vector<PeerBuffers> peers = make_peers(2, 4096, 20'000'000);  // 20 ms
  void* send = alloc(4096);
  void* recv = alloc(4096);
  peer_all_reduce_one_shot(DType::kFloat32, RedOp::kSum, peers[0], send, recv, 1024, 1,
                           streams_[0]);
  CB_CUDA(cudaStreamSynchronize(streams_[0]));  // returns: the kernel gave up
  EXPECT_EQ(status_->timed_out, 1u);
  EXPECT_EQ(status_->peer, 1);
  EXPECT_EQ(status_->phase, kPeerReady);
  EXPECT_EQ(status_->epoch, 1u);
  // A later operation does not wait the timeout again on every block: it sees the abort.
  peer_all_reduce_one_shot(DType::kFloat32, RedOp::kSum, peers[0], send, recv, 1024, 2,
                           streams_[0]);
  CB_CUDA(cudaStreamSynchronize(streams_[0]));
}

INSTANTIATE_TEST_SUITE_P(Ranks, PeerCollectives, ::testing::Values(1, 2, 3, 4));
INSTANTIATE_TEST_SUITE_P(Ranks, PeerOps, ::testing::Values(1, 2, 4));

}  // namespace
}  // namespace collbench
