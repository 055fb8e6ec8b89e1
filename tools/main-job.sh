#!/usr/bin/env bash
# The main job on a fresh machine: installs arrow-sus, then reads one month of SIH-RD (hospital
# admissions, Acre, January 2024) into Parquet and prints a summary (files, rows, columns, bytes,
# seconds). $ARROW_SUS_SOURCE points it at a mirror (file://, http(s)://, s3://, ftp://) instead of
# the DATASUS FTP. Extra arguments replace the defaults and go to `arrow-sus get` (e.g. --uf SP --year
# 2023 --month 1-6 -o other.parquet).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash tools/setup-system.sh
"$PY" -m pip install -q --disable-pip-version-check "scikit-build-core>=0.10" "nanobind>=2.4" "pyarrow>=26,<27"
"$PY" -m pip install -q --disable-pip-version-check --no-build-isolation .
if [ $# -eq 0 ]; then
  set -- --uf AC --year 2024 --month 1 -o rdac2401.parquet
fi
"$PY" -m arrow_sus.cli get sih-rd "$@"
