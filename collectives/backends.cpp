#include "collectives/backends.hpp"

#include "core/version.hpp"
#if COLLBENCH_HAVE_CUDA
#include "collectives/cuda/cuda_usable.hpp"
#endif
#if COLLBENCH_HAVE_MPI
#include "collectives/custom/custom_backend.hpp"
#include "collectives/mpi/mpi_backend.hpp"
#endif
#if COLLBENCH_HAVE_NCCL
#include "collectives/nccl/nccl_backend.hpp"
#endif

namespace collbench {

std::optional<std::string> gpu_unusable(std::string_view backend, const BackendConfig& config) {
#if COLLBENCH_HAVE_CUDA
  const bool nccl = COLLBENCH_HAVE_NCCL && backend == "nccl";
  if (config.memory == MemoryKind::kDevice || nccl) return cuda_unusable_reason();
#else
  (void)backend;
  (void)config;
#endif
  return std::nullopt;
}

std::vector<BackendEntry> builtin_backends() {
  std::vector<BackendEntry> entries;
#if COLLBENCH_HAVE_NCCL
  entries.push_back(nccl_backend_entry());
#else
  // Listed anyway, so `--backend nccl` says why it cannot run instead of "unknown backend".
  entries.push_back(
      {"nccl", "NCCL collectives on device memory (not in this build)",
       [](const BackendConfig&) -> std::optional<std::string> {
         return "this build has no CUDA/NCCL (configure with the CUDA toolkit and "
                "NCCL)";
       },
       [](Runtime&, const BackendConfig&) -> std::unique_ptr<Backend> { return nullptr; }});
#endif
#if COLLBENCH_HAVE_MPI
  entries.push_back(mpi_backend_entry());
  entries.push_back(custom_backend_entry());
  for (BackendEntry& entry : test_fault_backend_entries()) entries.push_back(std::move(entry));
#endif
  return entries;
}

}  // namespace collbench
