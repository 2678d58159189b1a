#!/usr/bin/env bash
# The test command (README, CI): installs what is missing, builds everything (CUDA code too when
# the toolkit is present) and runs every test. GPU tests skip cleanly without a GPU.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build="${COLLBENCH_BUILD_DIR:-$root/build}"
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 600
