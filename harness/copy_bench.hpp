#pragma once
// Device memory and copy baselines (`collbench copy`): what one GPU and its PCIe link deliver
// before any collective runs. Each row is timed with CUDA events over `iters` operations, `repeat`
// samples, and verified once afterwards with the device checker.
//   d2d      device-to-device copy, copy engine (cudaMemcpyAsync) and SM kernel
//   h2d d2h  pinned host memory on each NUMA node (near: the GPU's own node, far: any other)
//   verify   the check kernel over a buffer, per datatype
//   reduce   the element-wise sum kernel a = a + b, per datatype
// Efficiency compares device-memory traffic (bytes read + written per second) with the d2d copy
// engine's: a copy moves 2N bytes, verify reads N, reduce reads 2N and writes N.
#include <cstdint>
#include <string>
#include <vector>

namespace collbench {

struct CopyRow {
  int device = 0;
  std::string test;         // d2d, h2d, d2h, verify, reduce
  std::string engine;       // "copy engine", "SM", or the datatype for kernel rows
  std::string host_memory;  // h2d/d2h: "node 0 (near)"; else "-"
  int64_t bytes = 0;
  double time_us = 0;
  double GBps = 0;          // bytes / time
  double traffic_GBps = 0;  // device memory bytes read + written / time
  double efficiency = 0;    // traffic / the d2d copy engine's traffic on this device
  int64_t wrong = 0;
};

struct CopyOptions {
  std::vector<std::string> tests;  // d2d h2d d2h verify reduce
  int64_t bytes = 256LL << 20;
  int iters = 20;
  int repeat = 5;
  std::vector<int> devices;  // empty: every visible device
};

std::vector<CopyRow> run_copy_baselines(const CopyOptions& options);

}  // namespace collbench
