#include "collectives/mpi/mpi_types.hpp"

#include <array>

#include "kernels/host_reduce.hpp"
#include "runtime/mpi_check.hpp"

namespace collbench {
namespace {

// MPI's user functions carry no context, so each (type, op) pair gets its own instantiation.
template <DType kType, RedOp kOp>
void user_reduce(void* in, void* inout, int* len, MPI_Datatype*) {
  host_reduce(kType, kOp, inout, in, *len);
}

template <DType kType>
void add_user_ops(std::map<std::pair<DType, RedOp>, MPI_Op>& ops, const Identity& who) {
  const std::array<std::pair<RedOp, MPI_User_function*>, 4> functions = {{
      {RedOp::kSum, &user_reduce<kType, RedOp::kSum>},
      {RedOp::kProd, &user_reduce<kType, RedOp::kProd>},
      {RedOp::kMax, &user_reduce<kType, RedOp::kMax>},
      {RedOp::kMin, &user_reduce<kType, RedOp::kMin>},
  }};
  for (const auto& [op, fn] : functions) {
    MPI_Op handle = MPI_OP_NULL;
    CB_MPI(MPI_Op_create(fn, /*commute=*/1, &handle), who);
    ops[{kType, op}] = handle;
  }
}

}  // namespace

MpiTypeMap::MpiTypeMap(const Identity& who) {
  add_user_ops<DType::kHalf>(user_ops_, who);
  add_user_ops<DType::kBFloat16>(user_ops_, who);
  add_user_ops<DType::kFp8E4M3>(user_ops_, who);
  add_user_ops<DType::kFp8E5M2>(user_ops_, who);
}

MpiTypeMap::~MpiTypeMap() {
  for (auto& [key, handle] : user_ops_) MPI_Op_free(&handle);
}

bool MpiTypeMap::needs_user_op(DType dtype) {
  return dtype == DType::kHalf || dtype == DType::kBFloat16 || dtype == DType::kFp8E4M3 ||
         dtype == DType::kFp8E5M2;
}

MPI_Datatype MpiTypeMap::datatype(DType dtype) const {
  switch (dtype) {
    case DType::kInt8:
      return MPI_INT8_T;
    case DType::kUint8:
      return MPI_UINT8_T;
    case DType::kInt32:
      return MPI_INT32_T;
    case DType::kUint32:
      return MPI_UINT32_T;
    case DType::kInt64:
      return MPI_INT64_T;
    case DType::kUint64:
      return MPI_UINT64_T;
    case DType::kFloat32:
      return MPI_FLOAT;
    case DType::kFloat64:
      return MPI_DOUBLE;
    case DType::kHalf:
    case DType::kBFloat16:
      return MPI_UINT16_T;
    case DType::kFp8E4M3:
    case DType::kFp8E5M2:
      return MPI_UINT8_T;
  }
  return MPI_BYTE;
}

std::optional<MPI_Op> MpiTypeMap::op(DType dtype, RedOp op) const {
  if (op == RedOp::kAvg) return std::nullopt;
  if (needs_user_op(dtype)) return user_ops_.at({dtype, op});
  switch (op) {
    case RedOp::kSum:
      return MPI_SUM;
    case RedOp::kProd:
      return MPI_PROD;
    case RedOp::kMax:
      return MPI_MAX;
    case RedOp::kMin:
      return MPI_MIN;
    case RedOp::kAvg:
      break;
  }
  return std::nullopt;
}

}  // namespace collbench
