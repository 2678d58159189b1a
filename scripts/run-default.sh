#!/usr/bin/env bash
# The default benchmark (README): installs what is missing, builds, and measures all_reduce and
# all_to_all from 8 B to 64 MiB -- on every local GPU with NCCL when there are GPUs, else on the
# host with the MPI backend and 2 ranks. Prints the table and writes results/runs/<time>-<host>.jsonl.
# Extra arguments are passed to `collbench run`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build="${COLLBENCH_BUILD_DIR:-$root/build}"
out="$root/results/runs/$(date -u +%Y%m%dT%H%M%SZ)-$(hostname -s).jsonl"
mkdir -p "$(dirname "$out")"
args=(run all_reduce all_to_all -b 8 -e 64M -f 2 -J "$out" "$@")

gpus=0
if command -v nvidia-smi >/dev/null 2>&1; then
  gpus="$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)"
fi
if [[ "$gpus" -gt 0 ]] && "$build/collbench" run --help | grep -q -- '--backend.*nccl'; then
  # One process drives every local GPU: no MPI needed on a single node.
  "$build/collbench" "${args[@]}" --backend nccl -g "$gpus"
else
  launcher=(mpirun --oversubscribe -np 2)
  [[ "$(id -u)" == 0 ]] && launcher+=(--allow-run-as-root)
  "${launcher[@]}" "$build/collbench" "${args[@]}" --backend mpi
fi
echo "# results written to ${out#$root/}"
