#!/usr/bin/env bash
# Fuzzes each parser with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s; all four targets)
#
# Targets: results_reader, validate_spec, cluster_file, command_line (tests/fuzz/fuzz_*.cpp).
# Builds with clang in build-fuzz/ (CUDA off), starts each target from its saved corpus
# (tests/fuzz/corpus/NAME, read only) plus a working corpus in build-fuzz/corpus/NAME, and runs the
# targets one after another on one core. Findings land in build-fuzz/findings/NAME/ and the script
# exits 1; to keep one as a regression input, copy it into tests/fuzz/corpus/NAME/ after the fix.
# CI does not run this: it replays tests/fuzz/corpus through the normal build (ctest -L fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(results_reader validate_spec cluster_file command_line)
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS_PER_TARGET must be a whole number" >&2; exit 2; }
command -v clang++ >/dev/null || { echo "fuzz.sh: needs clang (apt-get install clang)" >&2; exit 2; }

build=build-fuzz
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
if [[ ! -f $build/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCOLLBENCH_WITH_CUDA=OFF -DCOLLBENCH_BUILD_BENCH=OFF -DCOLLBENCH_FUZZ=ON -DCOLLBENCH_WERROR=ON \
    -DCMAKE_C_FLAGS="$sanitizers -fsanitize=fuzzer-no-link" \
    -DCMAKE_CXX_FLAGS="$sanitizers -fsanitize=fuzzer-no-link" >/dev/null
fi
nice cmake --build "$build" -j "${FUZZ_BUILD_JOBS:-2}" --target "${targets[@]/#/fuzz_}"

status=0
for name in "${targets[@]}"; do
  mkdir -p "$build/corpus/$name" "$build/findings/$name"
  echo "== fuzz_$name for ${seconds}s"
  # -timeout: an input slower than 10 s is a hang; -rss_limit_mb: a runaway allocation is a finding.
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      nice "$build/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=4096 -print_final_stats=1 -artifact_prefix="$build/findings/$name/" \
      "$build/corpus/$name" "tests/fuzz/corpus/$name"; then
    status=1
  fi
done
exit $status
