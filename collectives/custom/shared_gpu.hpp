#pragma once
// Whether the CUDA IPC backend may run when several of its ranks land on one GPU. Separate
// processes on one GPU time-slice it unless MPS runs: the peer kernels spin on each other's
// flags, so a rank's kernel only sees its peer's progress at a context switch (milliseconds),
// and the numbers measure the scheduler, not the collective. Refused unless the user says they
// know (MPS, or a functional test): COLLBENCH_ALLOW_SHARED_GPU=1.
#include <optional>
#include <string>
#include <vector>

namespace collbench {

inline constexpr const char* kAllowSharedGpuEnv = "COLLBENCH_ALLOW_SHARED_GPU";

// `devices[r]`: the GPU of rank r (a PCI bus id, comparable across processes); `names[r]`: how
// to name rank r ("rank 1 on node7"). `allow`: the environment variable's value (nullptr when
// unset; only "1" allows). The refusal names every shared GPU and its ranks, or nullopt.
std::optional<std::string> shared_gpu_refusal(const std::vector<std::string>& devices,
                                              const std::vector<std::string>& names,
                                              const char* allow);

// How many ranks use `devices[rank]`: the ranks whose kernels share that GPU's SMs.
int ranks_on_same_gpu(const std::vector<std::string>& devices, int rank);

}  // namespace collbench
