// The peer kernels' speed target (issue 13): one process drives N ranks on GPU 0 (as
// tests/gpu/peer_collectives_test does), runs two-shot all_reduce of float sum back to back, and
// compares the device-memory traffic it achieves (bench/peer_traffic.hpp) with the d2d copy
// engine's traffic measured by collbench copy's own code in the same run. Target: ratio >= 0.80.
//
//   bench_peer_allreduce [--ranks N] [--bytes B] [--iters I] [--require RATIO]
//
// Prints one line per measurement; exit 0, or 1 when --require is given and the ratio is below it,
// or 2 without a device.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "bench/peer_traffic.hpp"
#include "harness/copy_bench.hpp"
#include "kernels/cuda_check.hpp"
#include "kernels/device_peer_collectives.hpp"

namespace collbench {
namespace {

struct Options {
  int ranks = 2;
  int64_t bytes = int64_t{256} << 20;
  int iters = 20;
  double require = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--ranks")
      o.ranks = std::atoi(value);
    else if (flag == "--bytes")
      o.bytes = std::atoll(value);
    else if (flag == "--iters")
      o.iters = std::atoi(value);
    else if (flag == "--require")
      o.require = std::atof(value);
  }
  if (o.ranks < 1 || o.ranks > kMaxPeerRanks || o.bytes < 4 || o.iters < 1) {
    std::fprintf(stderr,
                 "usage: bench_peer_allreduce [--ranks 1..%d] [--bytes B>=4] [--iters I>=1] "
                 "[--require RATIO]\n",
                 kMaxPeerRanks);
    std::exit(2);
  }
  return o;
}

// Seconds per two-shot all_reduce over `o.ranks` ranks on the current device.
double time_two_shot(const Options& o) {
  const int n = o.ranks;
  const auto bytes = static_cast<std::size_t>(o.bytes);
  const int64_t count = o.bytes / 4;
  std::vector<void*> owned;
  auto alloc = [&](std::size_t size) {
    void* p = nullptr;
    CB_CUDA(cudaMalloc(&p, size));
    CB_CUDA(cudaMemset(p, 0, size));
    owned.push_back(p);
    return p;
  };
  PeerBuffers all;
  all.nranks = n;
  all.blocks = peer_launch_blocks(n);
  std::vector<cudaStream_t> streams(static_cast<std::size_t>(n));
  std::vector<void*> send(static_cast<std::size_t>(n));
  std::vector<void*> recv(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r) {
    all.stage[r] = alloc(bytes);
    all.reduced[r] = alloc(bytes);
    all.flags[r] = static_cast<uint64_t*>(alloc(peer_flag_bytes()));
    send[r] = alloc(bytes);
    recv[r] = alloc(bytes);
    CB_CUDA(cudaStreamCreateWithFlags(&streams[r], cudaStreamNonBlocking));
  }
  std::vector<PeerBuffers> views(static_cast<std::size_t>(n), all);
  for (int r = 0; r < n; ++r) views[r].rank = r;
  uint64_t epoch = 0;
  auto run = [&](int ops) {
    for (int i = 0; i < ops; ++i) {
      ++epoch;
      for (int r = 0; r < n; ++r) {
        peer_all_reduce_two_shot(DType::kFloat32, RedOp::kSum, views[r], send[r], recv[r], count,
                                 epoch, streams[r]);
      }
    }
  };
  run(2);  // warm-up
  CB_CUDA(cudaDeviceSynchronize());
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  CB_CUDA(cudaEventCreate(&start));
  CB_CUDA(cudaEventCreate(&stop));
  CB_CUDA(cudaEventRecord(start, streams[0]));
  for (int r = 1; r < n; ++r) CB_CUDA(cudaStreamWaitEvent(streams[r], start, 0));
  run(o.iters);
  std::vector<cudaEvent_t> ends(static_cast<std::size_t>(n));
  for (int r = 1; r < n; ++r) {
    CB_CUDA(cudaEventCreateWithFlags(&ends[r], cudaEventDisableTiming));
    CB_CUDA(cudaEventRecord(ends[r], streams[r]));
    CB_CUDA(cudaStreamWaitEvent(streams[0], ends[r], 0));
  }
  CB_CUDA(cudaEventRecord(stop, streams[0]));
  CB_CUDA(cudaEventSynchronize(stop));
  float ms = 0;
  CB_CUDA(cudaEventElapsedTime(&ms, start, stop));
  for (int r = 1; r < n; ++r) CB_CUDA(cudaEventDestroy(ends[r]));
  CB_CUDA(cudaEventDestroy(start));
  CB_CUDA(cudaEventDestroy(stop));
  for (cudaStream_t s : streams) CB_CUDA(cudaStreamDestroy(s));
  for (void* p : owned) CB_CUDA(cudaFree(p));
  return ms * 1e-3 / o.iters;
}

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::fprintf(stderr, "bench_peer_allreduce: no CUDA device visible\n");
    return 2;
  }
  CB_CUDA(cudaSetDevice(0));
  CopyOptions copy;
  copy.tests = {"d2d"};
  copy.bytes = o.bytes;
  copy.devices = {0};
  double copy_traffic = 0;
  for (const CopyRow& row : run_copy_baselines(copy)) {
    if (row.test == "d2d" && row.engine == "copy engine") copy_traffic = row.traffic_GBps;
  }
  CB_CUDA(cudaSetDevice(0));
  const double seconds = time_two_shot(o);
  const double bytes = static_cast<double>(o.bytes);
  const double traffic = two_shot_traffic_bytes(bytes, o.ranks) / seconds / 1e9;
  const double ratio = copy_traffic > 0 ? traffic / copy_traffic : 0;
  std::printf(
      "two_shot all_reduce float sum, %d ranks on GPU 0, %lld B: %.1f us, algbw %.1f GB/s, "
      "busbw %.1f GB/s\n",
      o.ranks, static_cast<long long>(o.bytes), seconds * 1e6, bytes / seconds / 1e9,
      bytes * 2.0 * (o.ranks - 1) / o.ranks / seconds / 1e9);
  std::printf(
      "device-memory traffic %.1f GB/s; d2d copy engine %.1f GB/s; ratio %.2f (target "
      ">= 0.80)\n",
      traffic, copy_traffic, ratio);
  return o.require > 0 && ratio < o.require ? 1 : 0;
}

}  // namespace
}  // namespace collbench

int main(int argc, char** argv) {
  try {
    return collbench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_peer_allreduce: %s\n", e.what());
    return 3;
  }
}
