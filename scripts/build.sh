#!/usr/bin/env bash
# Configures and builds collbench in build/ (Release). CUDA/NCCL parts are compiled when the
# toolkit is found; everything else builds without it. Warnings are errors here (COLLBENCH_WERROR:
# CI and scripts/test.sh build through this script), unlike a plain cmake build. Extra arguments
# go to cmake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${COLLBENCH_BUILD_DIR:-$root/build}"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCOLLBENCH_WERROR=ON \
    "$@"
else
  # Also on an existing tree, which a plain cmake build may have configured without it.
  cmake -S "$root" -B "$build" -DCOLLBENCH_WERROR=ON "$@" >/dev/null
fi
cmake --build "$build" -j "$(nproc)"
