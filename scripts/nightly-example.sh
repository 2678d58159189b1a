#!/usr/bin/env bash
# A nightly job: measure, store in the history, judge against the recent past and against a fixed
# baseline, and publish a report and metrics. Exit code 1 means a regression (or wrong data).
# Usage: scripts/nightly-example.sh [BASELINE.jsonl]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${COLLBENCH_BUILD_DIR:-$root/build}/collbench"
runs="$root/results/runs"
tonight="$runs/nightly-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
mkdir -p "$runs"
launcher=(mpirun --oversubscribe -np 2)
[[ "$(id -u)" == 0 ]] && launcher+=(--allow-run-as-root)

status=0
"${launcher[@]}" "$bin" run all_reduce all_to_all -b 8 -e 64M -J "$tonight" || status=$?
"$bin" history add "$tonight"
"$bin" history check "$tonight" || status=1
if [[ $# -ge 1 ]]; then
  "$bin" compare "$1" "$tonight" --format markdown > "$runs/compare.md" || status=1
  "$bin" report "$1" "$tonight" -o "$runs/report.html"
else
  "$bin" report "$tonight" -o "$runs/report.html"
fi
# For a node exporter's textfile collector (written atomically).
"$bin" export --format prometheus "$tonight" -o "$runs/collbench.prom"
exit "$status"
