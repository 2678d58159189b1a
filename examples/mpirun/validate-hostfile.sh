#!/usr/bin/env bash
# collbench validate with mpirun over the nodes of a hostfile (a rack), one rank per GPU.
#
#   examples/mpirun/validate-hostfile.sh rack3.txt --spec specs/<node type>.json
#
# Placement and binding as in run-hostfile.sh. Arguments go to `collbench validate`; the exit
# code is validate's (0 all pass, 1 a node FAILs, 2 bad spec, 3 a stuck node).
# Environment: COLLBENCH, COLLBENCH_OUT, GPUS_PER_NODE (8), MPIRUN_ARGS.
set -euo pipefail
# shellcheck source=hostfile-launcher.sh
source "$(dirname "${BASH_SOURCE[0]}")/hostfile-launcher.sh" "${1:-}" "collbench validate arguments"
shift
echo "# collbench validate: $nodes nodes x $per_node ranks, results in $out"
"${launcher[@]}" "${COLLBENCH:-collbench}" validate "$@" -J "$out/validate.jsonl"
