#pragma once
// The one place that maps collbench's datatypes and ops onto NCCL's.
#include <nccl.h>

#include <array>

namespace collbench {

// NCCL 2.24 added the fp8 types; older libraries (an older pip wheel) still build collbench.
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 24, 0)
inline constexpr bool kNcclHasFp8 = true;
inline constexpr ncclDataType_t kNcclFp8E4M3 = ncclFloat8e4m3;
inline constexpr ncclDataType_t kNcclFp8E5M2 = ncclFloat8e5m2;
#else
inline constexpr bool kNcclHasFp8 = false;
inline constexpr ncclDataType_t kNcclFp8E4M3 = ncclNumTypes;  // refused by unsupported()
inline constexpr ncclDataType_t kNcclFp8E5M2 = ncclNumTypes;
#endif

// Indexed by DType and RedOp (core/dtype.hpp, core/redop.hpp order).
inline constexpr std::array<ncclDataType_t, 12> kNcclTypes = {
    ncclInt8,    ncclUint8,   ncclInt32,   ncclUint32,   ncclInt64,    ncclUint64,
    ncclFloat16, ncclFloat32, ncclFloat64, ncclBfloat16, kNcclFp8E4M3, kNcclFp8E5M2};
inline constexpr std::array<ncclRedOp_t, 5> kNcclOps = {ncclSum, ncclProd, ncclMax, ncclMin,
                                                        ncclAvg};

}  // namespace collbench
