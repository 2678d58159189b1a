#include "collectives/cuda/gpu_info.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/version.hpp"
#include "kernels/cuda_check.hpp"
#include "runtime/runtime.hpp"
#if COLLBENCH_HAVE_MPI
#include "runtime/mpi_check.hpp"
#include "runtime/mpi_runtime.hpp"
#endif

namespace collbench {
namespace {

template <std::size_t N>
void copy_text(char (&out)[N], const std::string& text) {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

std::string format_uuid(const cudaUUID_t& uuid) {
  const auto* b = reinterpret_cast<const unsigned char*>(uuid.bytes);
  char text[48];
  std::snprintf(text, sizeof text,
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                b[14], b[15]);
  return text;
}

std::string version_text(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

#if COLLBENCH_HAVE_MPI
// Gathers variable counts of fixed-size records to rank 0 of `comm`.
std::vector<GpuRecord> gather_records(MPI_Comm comm, const std::vector<GpuRecord>& mine,
                                      const Identity& who) {
  int rank = 0;
  int size = 1;
  CB_MPI(MPI_Comm_rank(comm, &rank), who);
  CB_MPI(MPI_Comm_size(comm, &size), who);
  const int my_bytes = static_cast<int>(mine.size() * sizeof(GpuRecord));
  std::vector<int> counts(static_cast<std::size_t>(rank == 0 ? size : 0));
  CB_MPI(MPI_Gather(&my_bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm), who);
  std::vector<int> displs(counts.size());
  int total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    displs[i] = total;
    total += counts[i];
  }
  std::vector<GpuRecord> all(static_cast<std::size_t>(total) / sizeof(GpuRecord));
  CB_MPI(MPI_Gatherv(mine.data(), my_bytes, MPI_BYTE, all.data(), counts.data(), displs.data(),
                     MPI_BYTE, 0, comm),
         who);
  return rank == 0 ? all : mine;
}
#endif

}  // namespace

GpuRecord describe_gpu(int device, int rank, const std::string& host) {
  GpuRecord r;
  r.rank = rank;
  r.device = device;
  cudaDeviceProp prop{};
  CB_CUDA(cudaGetDeviceProperties(&prop, device));
  r.memory_bytes = static_cast<int64_t>(prop.totalGlobalMem);
  copy_text(r.name, prop.name);
  char bus[32] = {};
  CB_CUDA(cudaDeviceGetPCIBusId(bus, sizeof bus, device));
  copy_text(r.pci_bus_id, bus);
  copy_text(r.uuid, format_uuid(prop.uuid));
  copy_text(r.host, host);
  copy_text(r.cpu_binding, cpu_binding());
  r.numa_node = device_numa_node(device);
  return r;
}

std::string cpu_binding() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return "unknown";
  std::string out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!out.empty()) out += ",";
    out += last == cpu ? std::to_string(cpu) : std::to_string(cpu) + "-" + std::to_string(last);
    cpu = last;
  }
  return out;
}

int device_numa_node(int device) {
  char bus[32] = {};
  if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) != cudaSuccess) return -1;
  std::string id(bus);
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // sysfs names functions with a 4-digit domain; CUDA may print 8 digits.
  if (id.size() > 12 && id.find(':') == 8) id = id.substr(4);
  std::ifstream file("/sys/bus/pci/devices/" + id + "/numa_node");
  int node = -1;
  if (!(file >> node)) return -1;
  return node;
}

std::vector<GpuRecord> gather_gpu_records(Runtime& runtime, std::vector<GpuRecord> mine) {
#if COLLBENCH_HAVE_MPI
  if (auto* mpi = dynamic_cast<MpiRuntime*>(&runtime)) {
    const Identity& who = runtime.identity();
    MPI_Comm world = mpi->duplicate_world();
    MPI_Comm node = MPI_COMM_NULL;
    CB_MPI(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, who.rank, MPI_INFO_NULL, &node), who);
    int node_rank = 0;
    CB_MPI(MPI_Comm_rank(node, &node_rank), who);
    std::vector<GpuRecord> on_node = gather_records(node, mine, who);
    MPI_Comm leaders = MPI_COMM_NULL;
    CB_MPI(MPI_Comm_split(world, node_rank == 0 ? 0 : MPI_UNDEFINED, who.rank, &leaders), who);
    std::vector<GpuRecord> all = std::move(on_node);
    if (leaders != MPI_COMM_NULL) {
      all = gather_records(leaders, all, who);
      MPI_Comm_free(&leaders);
    }
    MPI_Comm_free(&node);
    MPI_Comm_free(&world);
    std::stable_sort(all.begin(), all.end(),
                     [](const GpuRecord& a, const GpuRecord& b) { return a.rank < b.rank; });
    return all;
  }
#endif
  (void)runtime;
  return mine;
}

nlohmann::json gpu_records_json(std::span<const GpuRecord> records) {
  nlohmann::json out = nlohmann::json::array();
  for (const GpuRecord& r : records) {
    out.push_back({{"rank", r.rank},
                   {"host", r.host},
                   {"device", r.device},
                   {"name", r.name},
                   {"pci_bus_id", r.pci_bus_id},
                   {"uuid", r.uuid},
                   {"memory_bytes", r.memory_bytes},
                   {"numa_node", r.numa_node},
                   {"cpu_binding", r.cpu_binding}});
  }
  return out;
}

void add_cuda_versions(nlohmann::json& run_record) {
  int driver = 0;
  int runtime = 0;
  CB_CUDA(cudaDriverGetVersion(&driver));
  CB_CUDA(cudaRuntimeGetVersion(&runtime));
  run_record["cuda_driver"] = version_text(driver);
  run_record["cuda_runtime"] = version_text(runtime);
}

}  // namespace collbench
