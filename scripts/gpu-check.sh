#!/usr/bin/env bash
# Run ON the GPU machine, unattended: nvcc, cmake, ninja and Python with the NCCL wheel, and no
# MPI, no hwloc, no SQLite headers, no package registry. Builds collbench's GPU parts against the
# wheel's NCCL and the headers carried in .carry/ (scripts/gpu-carry.sh, run on the build machine),
# then runs single-process checks (no mpirun there): the `gpu` tests, the copy baselines, every
# collective over a size sweep per GPU backend, and all_reduce at 8 B with and without a CUDA
# graph. Every step runs even when an earlier one failed; the end is a summary of every step's
# outcome, and the exit code is 1 when any step failed (0 otherwise, 2 for a bad argument).
#
#   scripts/gpu-check.sh [--build-only]
#
# --build-only stops after the build: the rehearsal on a machine without a GPU.
# Results: the markdown record <gpu>.md (scripts/gpu-results-md.py), summary.txt and
# gpu-check-logs.tar.gz (every log and JSON Lines file) go to $OUT when set (the device tool
# brings back what is there; at most 8 files), else the record to docs/results/ and the logs stay
# in $BUILD/check. Environment: CARRY (default .carry), BUILD (default build-gpu), NCCL_HOME (found
# from the wheel when unset), CUDA_ARCH (e.g. 90; default: the GPU present), GPU_CHECK_BUDGET
# (seconds for everything, default 480: steps that would start later are skipped, and each step is
# cut at what is left).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root" || exit 1
build_only=0
for arg in "$@"; do
  case "$arg" in
    --build-only) build_only=1 ;;
    *) echo "gpu-check: unknown argument '$arg' (usage: scripts/gpu-check.sh [--build-only])" >&2
       exit 2 ;;
  esac
done
carry="${CARRY:-$root/.carry}"
build="${BUILD:-$root/build-gpu}"
work="$build/check"
budget="${GPU_CHECK_BUDGET:-480}"
rm -rf "$work"
mkdir -p "$work" || exit 1
: > "$work/steps.tsv"
failed=0

# step NAME MAX_SECONDS COMMAND...: runs COMMAND (output on the terminal and in $work/NAME.log),
# cut at MAX_SECONDS or what is left of the budget, and records the outcome. COMMAND may be a
# function of this script, which puts `limited` before the programs it runs.
step() {
  local name="$1" max="$2"
  shift 2
  local left=$((budget - SECONDS))
  if ((left < 15)); then
    skip "$name" "out of time (GPU_CHECK_BUDGET=$budget s)"
    failed=1  # an incomplete check is no pass
    return 1
  fi
  ((max > left)) && max=$left
  echo "== $name (at most ${max} s)"
  local start=$SECONDS rc
  step_limit=$max
  if declare -F "$1" > /dev/null; then
    "$@" 2>&1 | tee "$work/$name.log"
  else
    limited "$@" 2>&1 | tee "$work/$name.log"
  fi
  rc=${PIPESTATUS[0]}
  local outcome="ok"
  if ((rc == 124 || rc == 137)); then
    outcome="FAILED (cut after ${max} s)"
  elif ((rc != 0)); then
    outcome="FAILED (exit $rc)"
  fi
  [[ $outcome == ok ]] || failed=1
  printf '%s\t%s\t%d\n' "$name" "$outcome" $((SECONDS - start)) >> "$work/steps.tsv"
  echo "== $name: $outcome"
  [[ $outcome == ok ]]
}
step_limit=60
limited() {
  timeout --kill-after=10 "$step_limit" "$@"
}
skip() {
  printf '%s\tskipped: %s\t0\n' "$1" "$2" >> "$work/steps.tsv"
  echo "== $1: skipped: $2"
}

# --- The machine ------------------------------------------------------------------------------
machine() {
  local rc=0
  limited nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader \
    > "$work/gpu.txt" || rc=$?
  cat "$work/gpu.txt"
  if ((rc != 0)); then
    : > "$work/gpu.txt"  # what it printed is no GPU name
    echo "no GPU answered nvidia-smi (exit $rc)"
    ((build_only)) || return 1  # a rehearsal without a GPU only builds
  fi
  nvcc --version | tail -2
  cmake --version | head -1
  echo "ninja $(ninja --version 2> /dev/null || echo 'not found: make')"
  python3 --version
  echo "NCCL_HOME=${NCCL_HOME:-(no NCCL wheel; CMake looks in the CUDA toolkit)}"
  echo "$(nproc) CPUs"
}
# NCCL from the pip wheel: site-packages/nvidia/nccl/{include,lib}, found through Python.
if [[ -z "${NCCL_HOME:-}" ]]; then
  NCCL_HOME="$(python3 -c 'import nvidia.nccl as m; print(list(m.__path__)[0])' 2> /dev/null)" \
    || NCCL_HOME=""
fi
if [[ -n "$NCCL_HOME" ]]; then
  export NCCL_HOME
  export LD_LIBRARY_PATH="$NCCL_HOME/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
step machine 30 machine

# --- Configure and build ----------------------------------------------------------------------
# Only this machine's architecture (the full list is CI's job and takes much longer): CUDA_ARCH,
# else CMake's "native" (3.24+) when a GPU answers, else nvidia-smi's compute capability, else 90.
arch="${CUDA_ARCH:-}"
gpu_cap="$(head -1 "$work/gpu.txt" 2> /dev/null | cut -d, -f3 | tr -d ' .')"
if [[ -z "$arch" ]]; then
  cmake_minor="$(cmake --version | head -1 | sed -E 's/.* ([0-9]+)\.([0-9]+).*/\1 \2/')"
  read -r major minor <<< "$cmake_minor"
  if [[ -n "$gpu_cap" ]] && ((major > 3 || (major == 3 && minor >= 24))); then
    arch="native"
  else
    arch="${gpu_cap:-90}-real"
  fi
elif [[ "$arch" != *-* && "$arch" != native ]]; then
  arch="$arch-real"
fi
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
# MPI, hwloc and SQLite off: the GPU machine has none of them, and a rehearsal elsewhere then
# builds the same tree. Warnings are errors (COLLBENCH_WERROR), as in CI.
configure() {
  limited cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCOLLBENCH_WITH_MPI=OFF -DCOLLBENCH_WITH_HWLOC=OFF -DCOLLBENCH_WITH_SQLITE=OFF \
    -DCOLLBENCH_WERROR="$1" -DCOLLBENCH_BUILD_BENCH=ON \
    -DCOLLBENCH_EXTRA_INCLUDE="$carry/include" -DCOLLBENCH_GTEST_SOURCE_DIR="$carry/googletest" \
    -DCMAKE_CUDA_ARCHITECTURES="$arch"
}
# The collbench binary, bench_peer_allreduce and the test programs that `ctest -L gpu` runs,
# nothing else (no fuzz replays, no other unit tests, no other benchmarks): from ctest's list of the gpu tests, each program named by its
# path in the build tree or, while it is not built yet, by the test's name (collbench_add_gtest
# names both alike); kept only where ninja knows such an output. Nothing (so: build everything)
# without ninja.
gpu_targets() {
  local tests known
  [[ -f "$build/build.ninja" ]] || return 1
  tests="$(limited ctest --test-dir "$build" -L gpu --show-only=json-v1 2> /dev/null)" || return 1
  known="$(limited ninja -C "$build" -t targets all 2> /dev/null)" || return 1
  python3 -c '
import json, os, re, sys
build, known = os.path.realpath(sys.argv[1]), sys.argv[2]
names = {"collbench", "bench_peer_allreduce"}
for test in json.loads(sys.stdin.read()).get("tests", []):
    command = test.get("command")
    if command is None:
        names.add(test["name"])
        continue
    for arg in command:
        path = os.path.realpath(arg)
        if path.startswith(build + os.sep) and "." not in os.path.basename(path):
            names.add(os.path.basename(path))
print(" ".join(sorted(n for n in names
                      if re.search(r"^(\S*/)?" + re.escape(n) + ":", known, re.M))))
' "$build" "$known" <<< "$tests"
}
compile() {
  local targets
  targets="$(gpu_targets)"
  echo "targets: ${targets:-all (the gpu tests could not be listed)}"
  # shellcheck disable=SC2086 # a list of target names
  limited cmake --build "$build" -j "$(nproc)" ${targets:+--target $targets}
}
built=0
if ! step configure 120 configure ON; then
  skip build "configure failed"
elif step build 300 compile; then
  built=1
elif grep -q -- "-Werror" "$work/build.log"; then
  # A compiler that warns where CI's does not: the failure above is recorded; measure anyway.
  step configure-without-werror 60 configure OFF && step build-without-werror 300 compile \
    && built=1
fi
grep "collbench:" "$work/configure.log" 2> /dev/null
bin="$build/collbench"

# --- Checks on the GPU ------------------------------------------------------------------------
gpu_steps=(gpu-tests copy-baselines sweep-nccl sweep-custom peer-allreduce latency latency-graph)
if ((build_only)); then
  for name in "${gpu_steps[@]}"; do skip "$name" "--build-only"; done
elif ((!built)); then
  for name in "${gpu_steps[@]}"; do skip "$name" "no build"; done
else
  # One at a time on the one GPU: parallel tests would disturb each other's timing.
  step gpu-tests 240 ctest --test-dir "$build" -L gpu --output-on-failure --timeout 200
  step copy-baselines 60 "$bin" copy all -e 256M -J "$work/copy.jsonl"
  step sweep-nccl 150 "$bin" run all --backend nccl -g 1 -b 8 -e 256M -J "$work/run-nccl.jsonl"
  # collbench's own CUDA kernels (--backend custom --memory device) need MPI between processes;
  # without it the in-process kernel test (peer_collectives_test, in gpu-tests) is what runs.
  probe="$(timeout 60 "$bin" run all_reduce --backend custom --memory device -g 1 -b 8 -e 8 -n 1 -w 0 \
    --repeat 1 2>&1)"
  if [[ $probe == *"unknown backend 'custom'"* ]]; then
    skip sweep-custom "this build has no custom backend (it needs MPI)"
  else
    step sweep-custom 120 "$bin" run all_reduce all_to_all --backend custom --memory device -g 1 \
      -b 8 -e 256M -J "$work/run-custom.jsonl"
  fi
  # The same kernels in one process, timed against the d2d copy engine (docs/performance.md:
  # target ratio >= 0.80, reported, not required here).
  peer="$build/bench/bench_peer_allreduce"
  if [[ -x $peer ]]; then
    step peer-allreduce 120 "$peer" --ranks 2 --bytes 268435456 --iters 20
  else
    skip peer-allreduce "this build has no bench/bench_peer_allreduce"
  fi
  step latency 60 "$bin" run all_reduce -b 8 -e 8 --backend nccl -g 1 -n 200 --repeat 10 \
    -J "$work/latency.jsonl"
  step latency-graph 60 "$bin" run all_reduce -b 8 -e 8 --backend nccl -g 1 -n 200 --repeat 10 \
    -G 10 -J "$work/latency-graph.jsonl"
fi

# --- The record -------------------------------------------------------------------------------
gpu_name="$(head -1 "$work/gpu.txt" 2> /dev/null | cut -d, -f1 | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9.-')"
gpu_name="${gpu_name:-no-gpu}"
if [[ -n "${OUT:-}" ]]; then
  record="$OUT/$gpu_name.md"
else
  record="$root/docs/results/$gpu_name.md"
fi
echo
echo "== summary (budget ${budget} s, ${SECONDS} s used)"
column -t -s $'\t' "$work/steps.tsv" 2> /dev/null || cat "$work/steps.tsv"
if ((!build_only)); then
  python3 "$root/scripts/gpu-results-md.py" "$work" "$record" || failed=1
fi
if [[ -n "${OUT:-}" ]]; then
  mkdir -p "$OUT"
  column -t -s $'\t' "$work/steps.tsv" > "$OUT/summary.txt" 2> /dev/null \
    || cp "$work/steps.tsv" "$OUT/summary.txt"
  tar -czf "$OUT/gpu-check-logs.tar.gz" -C "$build" check || failed=1
fi
if ((failed)); then
  echo "gpu-check: some steps failed (above; logs in $work)"
  exit 1
fi
echo "gpu-check: every step passed"
