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
[[ $# -ge 1 && -r "$1" ]] || { echo "usage: $0 HOSTFILE [collbench run arguments...]" >&2; exit 2; }
hostfile="$1"
shift
per_node="${GPUS_PER_NODE:-8}"
[[ "$per_node" =~ ^[1-9][0-9]*$ ]] || { echo "$0: GPUS_PER_NODE must be a positive integer" >&2; exit 2; }
nodes="$(grep -cv -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$hostfile")"
out="${COLLBENCH_OUT:-$PWD/collbench-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
launcher=(mpirun --hostfile "$hostfile" -np "$((nodes * per_node))" --map-by "ppr:$per_node:node"
  --bind-to core)
for name in $(compgen -e | grep -E '^(NCCL_|UCX_|CUDA_VISIBLE_DEVICES$)' || true); do
  launcher+=(-x "$name")
done
[[ "$(id -u)" == 0 ]] && launcher+=(--allow-run-as-root)
read -r -a extra <<<"${MPIRUN_ARGS:-}"
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(all_reduce all_to_all -b 8 -e 1G)
echo "# collbench: $nodes nodes x $per_node ranks, results in $out"
"${launcher[@]}" "${extra[@]}" "${COLLBENCH:-collbench}" run "${args[@]}" -J "$out/run.jsonl"
