#!/usr/bin/env bash
# Run ON the GPU machine (no MPI, no hwloc, no network): builds collbench's GPU parts against
# Python's NCCL wheel and the headers carried in .carry/ (scripts/gpu-carry.sh), runs the `gpu`
# tests, the copy and kernel baselines, a verified NCCL sweep and graph vs no-graph latency, and
# prints a summary table. Results go to $OUT (the device tool's output folder) or build-gpu/check.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
carry="${CARRY:-$root/.carry}"
build="${BUILD:-$root/build-gpu}"
out="${OUT:-$build/check}"
mkdir -p "$out"
log() { echo "== $*"; }

# NCCL from the pip wheel: site-packages/nvidia/nccl/{include,lib}.
NCCL_HOME="${NCCL_HOME:-$(python3 -c 'import nvidia.nccl as m; print(list(m.__path__)[0])')}"
export NCCL_HOME
export LD_LIBRARY_PATH="$NCCL_HOME/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# Only this machine's architecture: the full list is CI's job and takes much longer.
arch="${CUDA_ARCH:-}"
if [[ -z "$arch" ]] && command -v nvidia-smi > /dev/null; then
  arch="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d . || true)"
fi
arch="${arch:-90}"
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
log "configure (NCCL_HOME=$NCCL_HOME, sm_$arch)"
cmake -S . -B "$build" "${generator[@]}" -DCOLLBENCH_WITH_MPI=OFF -DCOLLBENCH_WITH_HWLOC=OFF \
  -DCOLLBENCH_EXTRA_INCLUDE="$carry/include" -DCOLLBENCH_GTEST_SOURCE_DIR="$carry/googletest" \
  -DCOLLBENCH_BUILD_BENCH=OFF -DCMAKE_CUDA_ARCHITECTURES="${arch}-real" > "$out/configure.log"
grep "collbench:" "$out/configure.log"
log "build"
cmake --build "$build" -j "$(nproc)" > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
bin="$build/collbench"

log "gpu tests"
# Keep going when a test fails: the measurements below still say what the machine does.
ctest_rc=0
ctest --test-dir "$build" -L gpu --output-on-failure > "$out/ctest-gpu.log" 2>&1 || ctest_rc=$?
tail -15 "$out/ctest-gpu.log"

log "copy and kernel baselines, 256 MiB"
"$bin" copy all -e 256M -J "$out/copy.jsonl" | tee "$out/copy.txt"

log "verified NCCL sweep"
"$bin" run all_reduce all_to_all -b 8 -e 256M --backend nccl -g 1 -J "$out/sweep.jsonl" \
  | tee "$out/sweep.txt"

log "all_reduce at 8 B, with and without a CUDA graph (one run each, same settings)"
"$bin" run all_reduce -b 8 -e 8 --backend nccl -g 1 -n 200 --repeat 10 -J "$out/latency.jsonl" \
  > "$out/latency.txt"
"$bin" run all_reduce -b 8 -e 8 --backend nccl -g 1 -n 200 --repeat 10 -G 10 \
  -J "$out/latency_graph.jsonl" > "$out/latency_graph.txt"

python3 - "$out" "$ctest_rc" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
ctest_rc = int(sys.argv[2])
def rows(name, kind):
    return [r for r in map(json.loads, (out / name).read_text().splitlines()) if r.get("type") == kind]
copy = rows("copy.jsonl", "copy")
run = rows("sweep.jsonl", "run")[0]
gpus = ", ".join(sorted({g["name"] for g in run.get("gpus", [])}))
print(f"\n# collbench GPU check: {gpus}; CUDA driver {run.get('cuda_driver')}, runtime "
      f"{run.get('cuda_runtime')}, NCCL {run.get('nccl_version')}; {run['timestamp']}")
print(f"gpu tests: {'passed' if ctest_rc == 0 else f'FAILED (ctest exit {ctest_rc})'}")
print(f"{'test':<8} {'engine':<12} {'host memory':<16} {'GB/s':>9} {'traffic GB/s':>12} {'eff':>6} {'wrong':>6}")
for r in copy:
    print(f"{r['test']:<8} {r['engine']:<12} {r['host_memory']:<16} {r['GBps']:9.1f} "
          f"{r['traffic_GBps']:12.1f} {r['efficiency']:6.3f} {r['wrong']:6d}")
kernels = [r for r in copy if r["test"] in ("verify", "reduce")]
for test in ("verify", "reduce"):
    rows_ = [r for r in kernels if r["test"] == test]
    met = [r["engine"] for r in rows_ if r["efficiency"] >= 0.9]
    missed = [f"{r['engine']} {r['efficiency']:.2f}" for r in rows_ if r["efficiency"] < 0.9]
    print(f"{test} kernels >= 0.90 of the d2d copy: {len(met)}/{len(rows_)} dtypes"
          + (f"; below: {', '.join(missed)}" if missed else ""))
sweep = rows("sweep.jsonl", "result")
wrong = sum(max(r["wrong"], 0) for r in sweep)
print(f"NCCL sweep: {len(sweep)} rows, {wrong} wrong elements")
plain = [r for r in rows("latency.jsonl", "result") if not r["inplace"]][0]["time_us"]
graph = [r for r in rows("latency_graph.jsonl", "result") if not r["inplace"]][0]["time_us"]
gain = 1 - graph / plain
print(f"all_reduce 8 B: {plain:.2f} us without graph, {graph:.2f} us with -G 10: "
      f"{100 * gain:.0f}% faster (target >= 30%): {'MET' if gain >= 0.3 else 'NOT MET'}")
PY
exit "$ctest_rc"
