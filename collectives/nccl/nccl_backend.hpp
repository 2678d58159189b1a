#pragma once
// --backend nccl: NCCL collectives on device buffers. One communicator per local rank (-t x -g
// GPUs driven from this process), bootstrapped over MPI when the run has it, else within this one
// process. Non-blocking initialisation and asynchronous error polling turn a stuck or failed
// communicator into exit code 3 with NCCL's own error string.
#include "collectives/backend.hpp"

namespace collbench {

BackendEntry nccl_backend_entry();

}  // namespace collbench
