#!/usr/bin/env bash
# collbench run with mpirun over the nodes of a hostfile, one rank per GPU.
#
#   examples/mpirun/run-hostfile.sh hosts.txt                     # 8 GPUs per node
#   GPUS_PER_NODE=4 examples/mpirun/run-hostfile.sh hosts.txt all -d bfloat16
#
# hosts.txt: one node per line, `node01 slots=8` (see hostfile.example). Ranks are placed
# GPUS_PER_NODE per node (--map-by ppr:N:node) and bound to cores (--bind-to core); collbench's
# --bind auto keeps that binding when it is near the rank's GPU and moves it there otherwise.
# NCCL_*, UCX_* and CUDA_VISIBLE_DEVICES of this shell travel to every rank (-x).
# Environment: COLLBENCH (binary; default collbench on PATH), COLLBENCH_OUT (results folder;
# default ./collbench-<time>), GPUS_PER_NODE (8), MPIRUN_ARGS (more mpirun flags).
set -euo pipefail
# shellcheck source=hostfile-launcher.sh
source "$(dirname "${BASH_SOURCE[0]}")/hostfile-launcher.sh" "${1:-}" "collbench run arguments"
shift
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(all_reduce all_to_all -b 8 -e 1G)
echo "# collbench: $nodes nodes x $per_node ranks, results in $out"
"${launcher[@]}" "${COLLBENCH:-collbench}" run "${args[@]}" -J "$out/run.jsonl"
