# Sourced by run-hostfile.sh and validate-hostfile.sh (not run on its own): checks HOSTFILE and
# GPUS_PER_NODE, makes the results folder and builds the mpirun command line.
#
# In:  $1 the hostfile, $2 the usage line's argument description.
# Out: hostfile, nodes, per_node, out (results folder), launcher (array: mpirun and its flags,
#      MPIRUN_ARGS included). Ranks are placed GPUS_PER_NODE per node (--map-by ppr:N:node) and
#      bound to cores (--bind-to core); collbench's --bind auto keeps that binding when it is near
#      the rank's GPU and moves it there otherwise. NCCL_*, UCX_* and CUDA_VISIBLE_DEVICES of this
#      shell travel to every rank (-x).
[[ -n "${1:-}" && -r "$1" ]] || { echo "usage: $0 HOSTFILE [$2...]" >&2; exit 2; }
hostfile="$1"
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
read -r -a extra_mpirun_args <<<"${MPIRUN_ARGS:-}"
launcher+=(${extra_mpirun_args[@]+"${extra_mpirun_args[@]}"})
