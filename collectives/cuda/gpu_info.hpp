#pragma once
// What the run record says about GPUs: driver, runtime and library versions, and per rank its
// device (name, PCI bus id, UUID, memory) and CPU binding, gathered to the root.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace collbench {

class Runtime;

// Fixed size, so records travel as bytes through the control plane.
struct GpuRecord {
  int32_t rank = 0;
  int32_t device = 0;
  int64_t memory_bytes = 0;
  int32_t numa_node = -1;
  char host[64] = {};
  char name[96] = {};
  char pci_bus_id[32] = {};
  char uuid[48] = {};
  char cpu_binding[160] = {};
};

GpuRecord describe_gpu(int device, int rank, const std::string& host);

// "0-7,16-23": the CPUs this thread may run on.
std::string cpu_binding();

// The NUMA node of a device from /sys (-1 when the kernel does not say).
int device_numa_node(int device);

// Every process's records on the root, in rank order; others get their own. With MPI, node
// leaders collect their node's records and the root receives one message per node.
std::vector<GpuRecord> gather_gpu_records(Runtime& runtime, std::vector<GpuRecord> mine);

nlohmann::json gpu_records_json(std::span<const GpuRecord> records);

// "cuda_driver" and "cuda_runtime" as "13.0".
void add_cuda_versions(nlohmann::json& run_record);

}  // namespace collbench
