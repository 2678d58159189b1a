#pragma once
// collbench element types and operators as MPI sees them. MPI has no half, bfloat16 or fp8, so
// those travel as same-sized unsigned integers and reduce through user-defined operators built on
// kernels/host_reduce (commutative, as the patterns' exactness makes order irrelevant).
#include <mpi.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "core/dtype.hpp"
#include "core/errors.hpp"
#include "core/redop.hpp"

namespace collbench {

class MpiTypeMap {
 public:
  explicit MpiTypeMap(const Identity& who);
  ~MpiTypeMap();
  MpiTypeMap(const MpiTypeMap&) = delete;
  MpiTypeMap& operator=(const MpiTypeMap&) = delete;

  MPI_Datatype datatype(DType dtype) const;
  // The operator for (dtype, op); nullopt when MPI cannot reduce it (avg).
  std::optional<MPI_Op> op(DType dtype, RedOp op) const;
  static bool needs_user_op(DType dtype);

 private:
  std::map<std::pair<DType, RedOp>, MPI_Op> user_ops_;
};

}  // namespace collbench
