#pragma once
// --backend custom --memory device: collbench's GPU collectives (kernels/device_peer_collectives)
// over CUDA IPC between the ranks of one node, one per GPU (several per GPU only with
// COLLBENCH_ALLOW_SHARED_GPU=1, see shared_gpu.hpp).
#include <memory>

#include "collectives/backend.hpp"

namespace collbench {

class MpiRuntime;

// Throws UsageError when it cannot run here (no device, ranks on several nodes, too many ranks,
// ranks sharing a GPU).
std::unique_ptr<Backend> make_cuda_ipc_backend(const MpiRuntime& runtime,
                                               const BackendConfig& config);

}  // namespace collbench
