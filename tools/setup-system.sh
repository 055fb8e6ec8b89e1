#!/usr/bin/env bash
# Installs the system packages arrow-sus builds against (Debian/Ubuntu). Skips what is already present.
set -euo pipefail
# chromium: the tests open the HTML quality report in it (headless).
pkgs=(libcurl4-openssl-dev libsqlite3-dev libgtest-dev libbenchmark-dev cmake ninja-build g++ clang clang-format
      libclang-rt-14-dev chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
