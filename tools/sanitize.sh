#!/usr/bin/env bash
# Builds the C++ tests with AddressSanitizer + UndefinedBehaviorSanitizer and runs them, then runs every
# libFuzzer target for a short while (FUZZ_SECONDS, default 20: five targets, so that CI stays under 30
# minutes) over its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
PY=${PYTHON:-python3}
bash tools/setup-system.sh

echo "== C++ tests under ASan + UBSan"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DARROW_SUS_SANITIZE=ON -DARROW_SUS_BUILD_TESTS=ON \
      -DARROW_SUS_BUILD_PYTHON=OFF -DPython_EXECUTABLE="$(command -v "$PY")" >/dev/null
cmake --build build/asan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure --timeout 600 -j "$JOBS"  # a hung test fails, not CI

if [ -d fuzz ] && ls fuzz/*_fuzzer.cc >/dev/null 2>&1; then
  echo "== fuzzing (${FUZZ_SECONDS:-20}s per target)"
  bash tools/fuzz.sh "${FUZZ_SECONDS:-20}"
fi
