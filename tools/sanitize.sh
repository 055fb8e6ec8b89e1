#!/usr/bin/env bash
# One clang build (build/asan) with AddressSanitizer + UndefinedBehaviorSanitizer: the C++ tests run in it,
# then every libFuzzer target built in the same tree runs for a short while over its seed corpus
# (FUZZ_SECONDS, default 10: five targets, so that CI stays under 30 minutes; longer runs:
# `BUILD=build/asan bash tools/fuzz.sh 600`). The engine is compiled once for both: the fuzzers' coverage
# instrumentation (-fsanitize=fuzzer-no-link) costs the tests nothing but a little speed.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
PY=${PYTHON:-python3}
bash tools/setup-system.sh test

echo "== C++ tests under ASan + UBSan"
# -O1: the sanitizers' usual level; the tests run several times faster than at -O0 for a similar build time.
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
      -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
      -DARROW_SUS_SANITIZE=ON -DARROW_SUS_BUILD_TESTS=ON -DARROW_SUS_BUILD_FUZZERS=ON -DARROW_SUS_BUILD_PYTHON=OFF \
      -DPython_EXECUTABLE="$(command -v "$PY")" >/dev/null
cmake --build build/asan -j "$JOBS"
# The query_compile cases check compile-time diagnostics, which sanitizers do not change: the test step runs
# them (about 20 s, one at a time).
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure --timeout 600 -j "$JOBS" -E '^query_compile_'  # a hung test fails

echo "== fuzzing (${FUZZ_SECONDS:-10}s per target)"
BUILD=build/asan bash tools/fuzz.sh "${FUZZ_SECONDS:-10}"
