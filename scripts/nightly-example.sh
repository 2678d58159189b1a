#!/usr/bin/env bash
# A nightly job: measure, store in the history, judge against the recent past (and a fixed
# baseline when given), and publish a report with the history and Prometheus metrics. Everything
# goes under one directory, printed at the start and the end. Exit code 1 means a regression or
# wrong data; 2 bad input; 3 a failed run.
#
# Usage: scripts/nightly-example.sh [--baseline FILE.jsonl] [collbench run arguments...]
#   e.g. scripts/nightly-example.sh -d bfloat16 -e 1G
# Environment:
#   COLLBENCH_NIGHTLY_DIR  where everything goes
#                          (default ${XDG_DATA_HOME:-$HOME/.local/share}/collbench/nightly)
#   COLLBENCH_HISTORY_DB   the history database (default $COLLBENCH_NIGHTLY_DIR/history.db)
#   COLLBENCH_LAUNCHER     how ranks start (default "mpirun --oversubscribe -np 2"; e.g. "srun")
#   COLLBENCH_BUILD_DIR    the build holding collbench (default build/ of this checkout)
#   COLLBENCH_TEXTFILE_DIR also write the metrics there (a node exporter's textfile directory)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${COLLBENCH_BUILD_DIR:-$root/build}/collbench"
baseline=""
if [[ "${1:-}" == "--baseline" ]]; then
  [[ $# -ge 2 && -r "$2" ]] || { echo "nightly-example.sh: --baseline needs a readable file" >&2; exit 2; }
  baseline="$2"
  shift 2
fi
data="${XDG_DATA_HOME:-}"
[[ "$data" == /* ]] || data="${HOME:?set HOME or COLLBENCH_NIGHTLY_DIR}/.local/share"
dir="${COLLBENCH_NIGHTLY_DIR:-$data/collbench/nightly}"
export COLLBENCH_HISTORY_DB="${COLLBENCH_HISTORY_DB:-$dir/history.db}"
mkdir -p "$dir/runs"
dir="$(cd "$dir" && pwd)"
echo "# nightly: writing under $dir"
tonight="$dir/runs/$(date -u +%Y%m%dT%H%M%SZ)-$(hostname -s).jsonl"

if [[ -n "${COLLBENCH_LAUNCHER:-}" ]]; then
  read -r -a launcher <<<"$COLLBENCH_LAUNCHER"
else
  launcher=(mpirun --oversubscribe -np 2)
  [[ "$(id -u)" == 0 ]] && launcher+=(--allow-run-as-root)
fi

# The default sweep, unless the arguments choose their own sizes (a flag given twice is an error).
given() {
  local flag arg
  for arg in "${@:3}"; do
    for flag in "$1" "$2"; do [[ "$arg" == "$flag" || "$arg" == "$flag="* ]] && return 0; done
  done
  return 1
}
defaults=(all_reduce all_to_all)
given -b --minbytes "$@" || defaults+=(-b 8)
given -e --maxbytes "$@" || defaults+=(-e 64M)

status=0
"${launcher[@]}" "$bin" run "${defaults[@]}" -J "$tonight" "$@" || status=$?
if [[ ! -s "$tonight" ]]; then
  echo "nightly-example.sh: the run wrote no results (exit $status)" >&2
  ((status != 0)) && exit "$status"
  exit 3
fi
"$bin" history add "$tonight"
"$bin" history check "$tonight" || status=1
reports=("$tonight")
if [[ -n "$baseline" ]]; then
  "$bin" compare "$baseline" "$tonight" --format markdown >"$dir/compare.md" || status=1
  reports=("$baseline" "$tonight")
fi
"$bin" report "${reports[@]}" --history "$COLLBENCH_HISTORY_DB" -o "$dir/report.html"
# For a node exporter's textfile collector: copy or link it into its directory (written atomically).
"$bin" export --format prometheus "$tonight" -o "$dir/collbench.prom"
if [[ -n "${COLLBENCH_TEXTFILE_DIR:-}" ]]; then
  "$bin" export --format prometheus "$tonight" -o "$COLLBENCH_TEXTFILE_DIR/collbench.prom"
fi
echo "# nightly: run $tonight, history $COLLBENCH_HISTORY_DB, report $dir/report.html," \
  "metrics $dir/collbench.prom (exit $status)"
exit "$status"
