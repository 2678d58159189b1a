#!/usr/bin/env bash
# Run HERE (the build machine): copies what scripts/gpu-check.sh needs on the GPU machine, which
# has nvcc, cmake and Python's NCCL wheel but no apt and no network, into the ignored folder
# .carry/ (carry it along: the device tool's `carry: [".carry"]`).
#   .carry/include/CLI, .carry/include/nlohmann   header-only CLI11 and nlohmann-json
#   .carry/googletest                             GoogleTest sources (built there by CMake)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
carry="${1:-$root/.carry}"
rm -rf "$carry"
mkdir -p "$carry/include"
for dir in CLI nlohmann; do
  [[ -d /usr/include/$dir ]] || { echo "gpu-carry: /usr/include/$dir missing (install libcli11-dev nlohmann-json3-dev)" >&2; exit 2; }
  cp -r "/usr/include/$dir" "$carry/include/"
done
[[ -f /usr/src/googletest/CMakeLists.txt ]] || { echo "gpu-carry: /usr/src/googletest missing (install googletest)" >&2; exit 2; }
cp -r /usr/src/googletest "$carry/googletest"
du -sh "$carry"
