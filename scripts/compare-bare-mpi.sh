#!/usr/bin/env bash
# Holds the harness's MPI_Allreduce time against a bare MPI timing loop (bench/bare_mpi_allreduce,
# OSU-style) at the same sizes, in one session, and prints the ratio per size. The harness's
# settings mirror the bare loop: float sum, out of place, the slowest rank's time.
# Usage: scripts/compare-bare-mpi.sh [NP] [REPEATS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${COLLBENCH_BUILD_DIR:-$root/build}"
np="${1:-2}"
repeats="${2:-5}"
launcher=(mpirun --oversubscribe --mca btl self,vader -np "$np")
[[ "$(id -u)" == 0 ]] && launcher+=(--allow-run-as-root)
sizes=(8 64 1024 8192 65536 524288 4194304)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

iters_for() { if (($1 >= 1048576)); then echo 300; elif (($1 >= 65536)); then echo 2000; else echo 20000; fi; }

printf "%10s %14s %14s %8s\n" "bytes" "bare_us" "collbench_us" "ratio"
for bytes in "${sizes[@]}"; do
  iters="$(iters_for "$bytes")"
  bare=()
  harness=()
  # Interleave the two so drift on a shared machine hits both alike; take medians.
  for ((r = 0; r < repeats; r++)); do
    bare+=("$("${launcher[@]}" "$build/bench/bare_mpi_allreduce" "$bytes" "$iters" 100 | awk '{print $2}')")
    "${launcher[@]}" "$build/collbench" run all_reduce -b "$bytes" -e "$bytes" -n "$iters" -w 100 \
      --repeat 1 --outofplace -c 0 -J "$tmp/h.jsonl" >/dev/null
    harness+=("$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1]["time_us"])' "$tmp/h.jsonl")")
  done
  median() { printf "%s\n" "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
  b="$(median "${bare[@]}")"
  h="$(median "${harness[@]}")"
  printf "%10d %14.3f %14.3f %8.3f\n" "$bytes" "$b" "$h" "$(echo "$h / $b" | bc -l)"
done
