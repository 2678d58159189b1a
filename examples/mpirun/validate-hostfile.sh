#!/usr/bin/env bash
# collbench validate with mpirun over the nodes of a hostfile (a rack), one rank per GPU.
#
#   examples/mpirun/validate-hostfile.sh rack3.txt --spec specs/<node type>.json
#
# Placement and binding as in run-hostfile.sh. Arguments go to `collbench validate`; the exit
# code is validate's (0 all pass, 1 a node FAILs, 2 bad spec, 3 a stuck node).
# Environment: COLLBENCH, COLLBENCH_OUT, GPUS_PER_NODE (8), MPIRUN_ARGS.
set -euo pipefail
[[ $# -ge 1 && -r "$1" ]] || { echo "usage: $0 HOSTFILE [collbench validate arguments...]" >&2; exit 2; }
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
echo "# collbench validate: $nodes nodes x $per_node ranks, results in $out"
"${launcher[@]}" "${extra[@]}" "${COLLBENCH:-collbench}" validate "$@" -J "$out/validate.jsonl"
