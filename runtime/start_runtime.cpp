#include "core/version.hpp"
#include "runtime/local_runtime.hpp"
#include "runtime/runtime.hpp"
#if COLLBENCH_HAVE_MPI
#include "runtime/mpi_runtime.hpp"
#endif

namespace collbench {

std::unique_ptr<Runtime> start_runtime(int* argc, char*** argv, double timeout_s) {
#if COLLBENCH_HAVE_MPI
  return std::make_unique<MpiRuntime>(argc, argv, timeout_s);
#else
  (void)argc;
  (void)argv;
  return std::make_unique<LocalRuntime>(timeout_s);
#endif
}

}  // namespace collbench
