#pragma once
// --backend mpi: the MPI library's own blocking collectives (MPI_Allreduce, MPI_Alltoall, ...) on
// host memory, timed like OSU and IMB time them so the numbers compare with theirs.
#include <mpi.h>

#include <memory>

#include "collectives/backend.hpp"
#include "collectives/mpi/mpi_types.hpp"

namespace collbench {

class MpiRuntime;
class MpiDeviceBuffers;

class MpiBackend : public Backend {
 public:
  MpiBackend(const MpiRuntime& runtime, const BackendConfig& config);
  ~MpiBackend() override;

  std::string_view name() const override { return "mpi"; }
  Memory& memory() override;
  std::optional<std::string> unsupported(Collective collective, DType dtype,
                                         RedOp op) const override;
  void run(const OpArgs& args) override;
  void complete() override {}
  int64_t inplace_output_offset(const CollectiveSpec& spec, const BufferLayout& layout,
                                int rank) const override;
  void describe(nlohmann::json& run_record) const override;

 private:
  int count_arg(int64_t count) const;
  void run_host(const OpArgs& args);

  const Identity& who_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
  MpiTypeMap types_;
  std::unique_ptr<Memory> memory_;
  std::unique_ptr<MpiDeviceBuffers> device_;  // --memory device (CUDA builds)
};

BackendEntry mpi_backend_entry();

}  // namespace collbench
