#!/usr/bin/env bash
# What adaptive sampling costs: the default sweep (all_reduce and all_to_all, 8 B to 64 MiB, NP
# ranks) with it off (--max-repeat equal to --repeat: today's fixed 5 samples) and on (the
# defaults), interleaved REPEATS times so drift on a shared machine hits both alike. Prints each
# run's wall time, the median of each mode, their ratio, and how many rows stayed unstable or
# took extra samples.
# Usage: scripts/bench-adaptive-sampling.sh [NP] [REPEATS] [extra collbench run flags...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${COLLBENCH_BUILD_DIR:-$root/build}"
np="${1:-2}"
repeats="${2:-3}"
shift $(($# < 2 ? $# : 2))
launcher=(mpirun --oversubscribe -np "$np")
[[ "$(id -u)" == 0 ]] && launcher+=(--allow-run-as-root)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for ((r = 0; r < repeats; r++)); do
  for mode in off on; do
    flags=()
    [[ "$mode" == off ]] && flags=(--max-repeat 5)
    start=$EPOCHREALTIME
    "${launcher[@]}" "$build/collbench" run all_reduce all_to_all "${flags[@]}" "$@" \
      -J "$tmp/$mode.$r.jsonl" >/dev/null
    echo "$mode $r $start $EPOCHREALTIME" >>"$tmp/times"
  done
done
python3 - "$tmp" <<'PY'
import glob, json, statistics, sys
tmp = sys.argv[1]
times = {"off": [], "on": []}
for line in open(f"{tmp}/times"):
    mode, _, start, end = line.split()
    times[mode].append(float(end) - float(start))
for mode in ("off", "on"):
    rows = [json.loads(l) for f in glob.glob(f"{tmp}/{mode}.*.jsonl") for l in open(f)]
    rows = [r for r in rows if r.get("type") == "result"]
    unstable = sum(1 for r in rows if r.get("stable") is False)
    extra = sum(1 for r in rows if r.get("samples", 0) > r.get("repeat", 0))
    print(f"adaptive sampling {mode:3}: wall {' '.join(f'{t:.2f}' for t in times[mode])} s, "
          f"median {statistics.median(times[mode]):.2f} s; {len(rows)} rows, {unstable} unstable, "
          f"{extra} with extra samples")
print(f"on / off wall time: {statistics.median(times['on']) / statistics.median(times['off']):.3f}")
PY
