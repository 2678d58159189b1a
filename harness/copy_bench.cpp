#include "harness/copy_bench.hpp"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <set>

#include "collectives/cuda/cuda_usable.hpp"
#include "collectives/cuda/device_memory.hpp"
#include "collectives/cuda/gpu_info.hpp"
#include "core/errors.hpp"
#include "harness/numa_nodes.hpp"
#include "kernels/cuda_check.hpp"
#include "kernels/device_patterns.hpp"
#include "kernels/device_reduce.hpp"
#include "topology/host_contention.hpp"

namespace collbench {
namespace {

struct DeviceBuffer {
  void* data = nullptr;
  explicit DeviceBuffer(std::size_t bytes) { CB_CUDA(cudaMalloc(&data, bytes)); }
  ~DeviceBuffer() { (void)cudaFree(data); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

struct PinnedBuffer {
  void* data = nullptr;
  explicit PinnedBuffer(std::size_t bytes) {
    CB_CUDA(cudaMallocHost(&data, bytes));
    std::fill_n(static_cast<unsigned char*>(data), bytes, 0);  // first touch places the pages
  }
  ~PinnedBuffer() { (void)cudaFreeHost(data); }
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
};

// Median seconds per operation over `repeat` samples of `iters` operations, timed on `stream`.
double time_op(const CopyOptions& o, cudaStream_t stream, const std::function<void()>& op) {
  cudaEvent_t start = nullptr;
  cudaEvent_t stop = nullptr;
  CB_CUDA(cudaEventCreate(&start));
  CB_CUDA(cudaEventCreate(&stop));
  op();  // warm-up
  std::vector<double> samples;
  for (int s = 0; s < o.repeat; ++s) {
    CB_CUDA(cudaEventRecord(start, stream));
    for (int i = 0; i < o.iters; ++i) op();
    CB_CUDA(cudaEventRecord(stop, stream));
    CB_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    CB_CUDA(cudaEventElapsedTime(&ms, start, stop));
    samples.push_back(ms * 1e-3 / o.iters);
  }
  (void)cudaEventDestroy(start);
  (void)cudaEventDestroy(stop);
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// Binds this thread to `cpus` (a usable node's allowed CPUs, harness/numa_nodes.hpp).
void bind_to(const std::set<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) {
    if (cpu < CPU_SETSIZE) CPU_SET(cpu, &set);
  }
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    throw RuntimeFailure("sched_setaffinity to CPUs " + cpu_list_text(cpus) +
                         " failed: " + std::strerror(errno));
  }
}

class DeviceBaselines {
 public:
  DeviceBaselines(const CopyOptions& o, int device) : o_(o), device_(device) {
    CB_CUDA(cudaSetDevice(device));
    CB_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    CB_CUDA(cudaMalloc(&scratch_, kDeviceCheckScratchBytes));
    CB_CUDA(cudaMallocHost(reinterpret_cast<void**>(&host_count_), sizeof *host_count_));
  }
  ~DeviceBaselines() {
    (void)cudaFree(scratch_);
    (void)cudaFreeHost(host_count_);
    (void)cudaStreamDestroy(stream_);
  }

  std::vector<CopyRow> run() {
    std::vector<CopyRow> rows;
    // The reference comes first: every efficiency is relative to it.
    const bool want_d2d = wants("d2d");
    add(rows, copy_d2d(true), want_d2d);
    if (want_d2d) add(rows, copy_d2d(false), true);
    if (wants("h2d") || wants("d2h")) {
      // Only nodes this process may use; copy_command names the ones skipped.
      for (const NumaNode& node : usable_numa_nodes().usable) {
        if (wants("h2d")) add(rows, copy_host(node, true), true);
        if (wants("d2h")) add(rows, copy_host(node, false), true);
      }
    }
    for (const DTypeInfo& info : all_dtypes()) {
      if (wants("verify")) add(rows, verify(info), true);
      if (wants("reduce")) add(rows, reduce(info), true);
    }
    return rows;
  }

 private:
  bool wants(const std::string& test) const {
    return std::find(o_.tests.begin(), o_.tests.end(), test) != o_.tests.end();
  }

  void add(std::vector<CopyRow>& rows, CopyRow row, bool keep) {
    row.device = device_;
    row.GBps = static_cast<double>(row.bytes) / (row.time_us * 1e3);
    if (row.test == "d2d" && row.engine == "copy engine") reference_ = row.traffic_GBps;
    row.efficiency = reference_ > 0 ? row.traffic_GBps / reference_ : 0;
    if (keep) rows.push_back(row);
  }

  CopyRow finish(std::string test, std::string engine, std::string host, double seconds,
                 double traffic_factor, int64_t wrong) const {
    CopyRow row;
    row.test = std::move(test);
    row.engine = std::move(engine);
    row.host_memory = std::move(host);
    row.bytes = o_.bytes;
    row.time_us = seconds * 1e6;
    row.traffic_GBps = traffic_factor * static_cast<double>(o_.bytes) / (seconds * 1e9);
    row.wrong = wrong;
    return row;
  }

  // Verifies a copy of the move pattern of rank 0 as float elements.
  int64_t check_copy(const void* dst) {
    const Pattern p =
        make_pattern(PatternKind::kMove, RedOp::kSum, 1, dtype_info(DType::kFloat32).exact_limit);
    const OutputMap same{false, SourceRank::kFixed, 0, 0, 0};
    return device_count_wrong(DType::kFloat32, dst, o_.bytes / 4, p, same, 0, scratch_, host_count_,
                              stream_);
  }
  void fill_source(void* src) {
    const Pattern p =
        make_pattern(PatternKind::kMove, RedOp::kSum, 1, dtype_info(DType::kFloat32).exact_limit);
    device_fill_input(DType::kFloat32, src, o_.bytes / 4, p, 0, stream_);
  }

  CopyRow copy_d2d(bool copy_engine) {
    const auto bytes = static_cast<std::size_t>(o_.bytes);
    DeviceBuffer src(bytes), dst(bytes);
    fill_source(src.data);
    const double t = time_op(o_, stream_, [&] {
      if (copy_engine) {
        CB_CUDA(cudaMemcpyAsync(dst.data, src.data, bytes, cudaMemcpyDeviceToDevice, stream_));
      } else {
        device_sm_copy(dst.data, src.data, bytes, stream_);
      }
    });
    return finish("d2d", copy_engine ? "copy engine" : "SM", "-", t, 2.0, check_copy(dst.data));
  }

  CopyRow copy_host(const NumaNode& numa, bool to_device) {
    const int node = numa.id;
    cpu_set_t saved;
    CPU_ZERO(&saved);
    if (sched_getaffinity(0, sizeof saved, &saved) != 0)
      throw RuntimeFailure(std::string("sched_getaffinity failed: ") + std::strerror(errno));
    if (node >= 0) bind_to(numa.cpus);
    const auto bytes = static_cast<std::size_t>(o_.bytes);
    PinnedBuffer host(bytes);
    DeviceBuffer dev(bytes);
    // Pinned memory is mapped into the device's address space, so the kernels fill and check it.
    fill_source(to_device ? host.data : dev.data);
    const double t = time_op(o_, stream_, [&] {
      CB_CUDA(cudaMemcpyAsync(to_device ? dev.data : host.data, to_device ? host.data : dev.data,
                              bytes, to_device ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost,
                              stream_));
    });
    const int64_t wrong = check_copy(to_device ? dev.data : host.data);
    if (sched_setaffinity(0, sizeof saved, &saved) != 0) {
      throw RuntimeFailure(std::string("sched_setaffinity back to this thread's CPUs failed: ") +
                           std::strerror(errno));
    }
    const int near = device_numa_node(device_);
    const std::string where = node < 0 ? "unbound"
                                       : "node " + std::to_string(node) +
                                             (near < 0       ? ""
                                              : node == near ? " (near)"
                                                             : " (far)");
    return finish(to_device ? "h2d" : "d2h", "copy engine", where, t, 1.0, wrong);
  }

  CopyRow verify(const DTypeInfo& info) {
    const int64_t count = o_.bytes / static_cast<int64_t>(info.size);
    DeviceBuffer buf(static_cast<std::size_t>(o_.bytes));
    // A move pattern checks like a received all_gather block: one source, consecutive indices.
    const Pattern p = make_pattern(PatternKind::kMove, RedOp::kSum, 8, info.exact_limit);
    const OutputMap map{false, SourceRank::kFixed, 3, 0, 0};
    device_fill_input(info.id, buf.data, count, p, 3, stream_);
    const double t = time_op(o_, stream_, [&] {
      device_count_wrong_async(info.id, buf.data, count, p, map, 0, scratch_, stream_);
    });
    const int64_t wrong =
        device_count_wrong(info.id, buf.data, count, p, map, 0, scratch_, host_count_, stream_);
    return finish("verify", std::string(info.name), "-", t, 1.0, wrong);
  }

  CopyRow reduce(const DTypeInfo& info) {
    const int64_t count = o_.bytes / static_cast<int64_t>(info.size);
    DeviceBuffer a(static_cast<std::size_t>(o_.bytes)), b(static_cast<std::size_t>(o_.bytes)),
        out(static_cast<std::size_t>(o_.bytes));
    const Pattern p = make_pattern(PatternKind::kReduce, RedOp::kSum, 2, info.exact_limit);
    device_fill_input(info.id, a.data, count, p, 0, stream_);
    device_fill_input(info.id, b.data, count, p, 1, stream_);
    const double t = time_op(o_, stream_, [&] {
      device_reduce3(info.id, RedOp::kSum, out.data, a.data, b.data, count, stream_);
    });
    const OutputMap map{true, SourceRank::kFixed, 0, 0, 0};
    const int64_t wrong =
        device_count_wrong(info.id, out.data, count, p, map, 0, scratch_, host_count_, stream_);
    return finish("reduce", std::string(info.name), "-", t, 3.0, wrong);
  }

  const CopyOptions& o_;
  int device_;
  cudaStream_t stream_ = nullptr;
  void* scratch_ = nullptr;
  unsigned long long* host_count_ = nullptr;
  double reference_ = 0;
};

}  // namespace

std::vector<CopyRow> run_copy_baselines(const CopyOptions& options) {
  if (auto why = cuda_unusable_reason()) throw UsageError(*why);
  const int visible = visible_device_count();
  std::vector<int> devices = options.devices;
  if (devices.empty()) {
    for (int d = 0; d < visible; ++d) devices.push_back(d);
  }
  std::vector<CopyRow> rows;
  for (int device : devices) {
    if (device < 0 || device >= visible) {
      throw UsageError("device " + std::to_string(device) + " is not visible (" +
                       std::to_string(visible) + " visible)");
    }
    DeviceBaselines baselines(options, device);
    for (CopyRow& row : baselines.run()) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace collbench
