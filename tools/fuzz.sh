#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each one for SECONDS (default 30) over a
# seed corpus made in the build directory: streams and .dbc files from our own encoder, ZIP archives
# and TabWin texts from the tests' writers, plus the real files of ../shared/corpus (or
# $ARROW_SUS_CORPUS) when present. Nothing is written to the source tree. Exits non-zero when a
# fuzzer finds a crash (the reproducer is left in the build directory, build/fuzz/ by default).
# Usage: bash tools/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-30}
PY=${PYTHON:-python3}
JOBS=${JOBS:-$(nproc)}
BUILD=${BUILD:-build/fuzz}  # tools/sanitize.sh passes its sanitizer build, which holds the fuzzers too
CORPUS=${ARROW_SUS_CORPUS:-../shared/corpus}

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
        -DCMAKE_CXX_COMPILER=clang++ -DARROW_SUS_BUILD_FUZZERS=ON -DARROW_SUS_BUILD_PYTHON=OFF \
        -DPython_EXECUTABLE="$(command -v "$PY")" >/dev/null
fi
cmake --build "$BUILD" -j "$JOBS"

rm -rf "$BUILD/seeds-dcl" "$BUILD/seeds-dbc" "$BUILD/seeds-dbf" "$BUILD/seeds-zip" "$BUILD/seeds-tabwin"
"$BUILD/fuzz/make_fuzz_seeds" "$BUILD/seeds-dcl" "$BUILD/seeds-dbc" "$BUILD/seeds-dbf" "$CORPUS"
"$BUILD/fuzz/make_tabwin_seeds" "$BUILD/seeds-zip" "$BUILD/seeds-tabwin"
# The DBF reader reads its inputs both as .dbf and as .dbc: seed it with both kinds.
cp "$BUILD/seeds-dbc"/* "$BUILD/seeds-dbf"/
if [ -d "$CORPUS" ]; then
  find "$CORPUS" -maxdepth 1 -iname '*.dbf' -size -64k -exec cp {} "$BUILD/seeds-dbf"/ \;
fi

run() {  # run TARGET SEED_DIR: new inputs go to corpus-TARGET, the log to TARGET.log
  local target=$1 seeds=$2 rc=0
  mkdir -p "$BUILD/corpus-$target"
  echo "== $target: ${SECONDS_PER_TARGET}s from $(ls "$seeds" | wc -l) seeds"
  (cd "$BUILD" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "./fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 \
    -timeout=20 -print_final_stats=1 "corpus-$target" "$(basename "$seeds")") >"$BUILD/$target.log" 2>&1 ||
    rc=$?
  grep -E "DONE|stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Test unit written" \
    "$BUILD/$target.log" || true
  if [ "$rc" -ne 0 ]; then
    tail -60 "$BUILD/$target.log"
    exit "$rc"
  fi
}
run dcl_decoder_fuzzer "$BUILD/seeds-dcl"
run dbc_container_fuzzer "$BUILD/seeds-dbc"
run dbf_reader_fuzzer "$BUILD/seeds-dbf"
run zip_directory_fuzzer "$BUILD/seeds-zip"
run tabwin_text_fuzzer "$BUILD/seeds-tabwin"
