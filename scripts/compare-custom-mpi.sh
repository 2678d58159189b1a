#!/usr/bin/env bash
# Holds --backend custom against --backend mpi (the MPI library's own collectives) in one session:
# for each collective, the two backends run interleaved REPEATS times at 1-64 MiB, out of place,
# and the script prints the median busbw of each and their ratio per size.
# Usage: scripts/compare-custom-mpi.sh [NP] [REPEATS] [COLLECTIVE...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${COLLBENCH_BUILD_DIR:-$root/build}"
np="${1:-2}"
repeats="${2:-3}"
shift $(($# < 2 ? $# : 2))
collectives=("${@:-all_to_all all_gather}")
read -r -a collectives <<<"${collectives[*]}"
launcher=(mpirun --oversubscribe -np "$np")
[[ "$(id -u)" == 0 ]] && launcher+=(--allow-run-as-root)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for collective in "${collectives[@]}"; do
  for ((r = 0; r < repeats; r++)); do
    # Interleaved so drift on a shared machine hits both alike.
    for backend in mpi custom; do
      "${launcher[@]}" "$build/collbench" run "$collective" -b 1M -e 64M -f 4 -n 5 -w 2 --repeat 3 \
        --outofplace --backend "$backend" -J "$tmp/$collective.$backend.$r.jsonl" >/dev/null
    done
  done
done
python3 - "$tmp" "${collectives[@]}" <<'PY'
import glob, json, statistics, sys
tmp, collectives = sys.argv[1], sys.argv[2:]
print(f"{'collective':<12} {'bytes':>10} {'mpi_busbw':>10} {'custom_busbw':>13} {'ratio':>6}")
for c in collectives:
    busbw = {}
    for backend in ("mpi", "custom"):
        for path in glob.glob(f"{tmp}/{c}.{backend}.*.jsonl"):
            for line in open(path):
                r = json.loads(line)
                if r.get("type") == "result":
                    busbw.setdefault((backend, r["bytes"]), []).append(r["busbw_GBps"])
    for size in sorted({b for _, b in busbw}):
        m = statistics.median(busbw[("mpi", size)])
        k = statistics.median(busbw[("custom", size)])
        print(f"{c:<12} {size:>10} {m:>10.2f} {k:>13.2f} {k / m:>6.2f}")
PY
