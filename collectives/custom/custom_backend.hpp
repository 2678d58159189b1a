#pragma once
// --backend custom: collbench's own algorithms (host memory: mpi_schedule_backend.cpp; device
// memory: cuda_ipc_backend.cpp), as one registry row.
#include "collectives/backend.hpp"

namespace collbench {

BackendEntry custom_backend_entry();

}  // namespace collbench
