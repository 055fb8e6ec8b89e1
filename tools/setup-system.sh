#!/usr/bin/env bash
# Installs the system packages arrow-sus needs (Debian/Ubuntu). Skips what is already present.
# Usage: bash tools/setup-system.sh          what building and running arrow-sus needs (the main job)
#        bash tools/setup-system.sh test     that, and what the tests need (tools/test.sh, tools/sanitize.sh)
set -euo pipefail
pkgs=(libcurl4-openssl-dev libsqlite3-dev cmake ninja-build g++)
if [ "${1:-}" = test ]; then
  # GoogleTest and Google Benchmark; clang for the ASan/UBSan build and the fuzzers; clang-format for lint;
  # chromium: the tests open the HTML quality report in it (headless).
  pkgs+=(libgtest-dev libbenchmark-dev clang clang-format libclang-rt-14-dev chromium)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
