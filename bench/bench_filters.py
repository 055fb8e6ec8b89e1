"""Filtered reads with the cache off: what the filter path costs from the call to the last row.

Three cases over the real SIH-RD files of the corpus (RDAC2203, RDAC2401, RDRR1412, RDSC0907, from a local
``file://`` mirror): a scan with tuple filters and 2 columns, the Polars query of ``bench_scan_stats.py``, and
one file read with ``--where`` text (``read_dbc``). Prints the median of ``--repeat`` runs of each. To compare two
builds, put the other one first on ``PYTHONPATH`` and alternate runs.

    python bench/bench_filters.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import polars as pl

import arrow_sus

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ARROW_SUS_CORPUS", ROOT.parent / "shared" / "corpus"))
FILES = ["RDAC2203.dbc", "RDAC2401.dbc", "RDRR1412.dbc", "RDSC0907.dbc"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    warnings.simplefilter("ignore", arrow_sus.CodedFilterWarning)  # IDADE is a coded age: the cost is the same
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "SIHSUS/200801_/Dados"
        folder.mkdir(parents=True)
        for name in FILES:
            if not (CORPUS / name).exists():
                sys.exit(f"{CORPUS / name} not found (set ARROW_SUS_CORPUS)")
            shutil.copy(CORPUS / name, folder / name)
        source = Path(work).as_uri()

        def scan(**options: object) -> arrow_sus.Scan:
            return arrow_sus.scan(
                "sih-rd", uf=["AC", "RR", "SC"], year=[2009, 2014, 2022, 2024], source=source, cache=False,
                **options,  # type: ignore[arg-type]
            )  # fmt: skip

        women_over_60 = (pl.col("SEXO") == "3") & (pl.col("IDADE") >= 60)
        cases = {
            "scan, tuples": lambda: scan(
                filters=[("SEXO", "=", "3"), ("IDADE", ">=", 60)], columns=["DIAG_PRINC", "VAL_TOT"]
            ).to_arrow(),
            "scan, Polars query": lambda: (
                scan().lazy().filter(women_over_60).select("DIAG_PRINC", "VAL_TOT", "MUNIC_RES").collect()
            ),
            "read_dbc, --where": lambda: arrow_sus.read_dbc(
                str(CORPUS / "RDSC0907.dbc"),
                filters="SEXO = '3' and IDADE >= 60 and DIAG_PRINC starts_with 'I'",
                columns=["VAL_TOT"],
            ),
        }
        for name, run in cases.items():
            run()
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            print(f"{name:22} {statistics.median(times) * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
