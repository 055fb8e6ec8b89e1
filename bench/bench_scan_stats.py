"""Scan statistics: what Polars' pushdown saves, and what counting costs.

Scans a local mirror of the real SIH-RD files of the corpus (RDAC2203, RDAC2401, RDRR1412, RDSC0907: 4 files,
3.2 MB of .dbc) four ways — everything and a Polars query (3 of 113 columns, women over 60), each with the
cache off and warm — and prints the median wall time of each and the scan's statistics (``Scan.stats``).
Run it with an arrow-sus built without the counters (e.g. ``main`` before them) to time them: the statistics
are then left out.

    python bench/bench_scan_stats.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

import arrow_sus

ROOT = Path(__file__).resolve().parents[1]
FILES = ["RDAC2203.dbc", "RDAC2401.dbc", "RDRR1412.dbc", "RDSC0907.dbc"]


def build_mirror(target: Path) -> Path:
    corpus = Path(os.environ.get("ARROW_SUS_CORPUS", ROOT.parent / "shared" / "corpus"))
    folder = target / "SIHSUS/200801_/Dados"
    folder.mkdir(parents=True)
    for name in FILES:
        if not (corpus / name).exists():
            sys.exit(f"{corpus / name} not found (set ARROW_SUS_CORPUS)")
        shutil.copy(corpus / name, folder / name)
    return target


def women_over_60(s: arrow_sus.Scan) -> pl.DataFrame:
    return (
        s.lazy()
        .filter((pl.col("SEXO") == "3") & (pl.col("IDADE") >= 60))
        .select("DIAG_PRINC", "VAL_TOT", "MUNIC_RES")
        .collect()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        source = build_mirror(Path(work) / "mirror").as_uri()
        cache_dir = Path(work) / "cache"

        def scan(cache: bool) -> arrow_sus.Scan:
            return arrow_sus.scan(
                "sih-rd", uf=["AC", "RR", "SC"], year=[2009, 2014, 2022, 2024], source=source, cache=cache,
                cache_dir=cache_dir,
            )  # fmt: skip

        scan(True).to_arrow()  # fills the cache
        cases = {
            "everything, cache off": (False, lambda s: s.to_arrow()),
            "Polars query, cache off": (False, women_over_60),
            "everything, warm cache": (True, lambda s: s.to_arrow()),
            "Polars query, warm cache": (True, women_over_60),
        }
        for name, (cache, run) in cases.items():
            s = scan(cache)
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                run(s)
                times.append(time.perf_counter() - start)
            stats = f"  {s.stats!r}" if hasattr(arrow_sus, "ScanStats") else ""
            print(f"{name:26} {statistics.median(times) * 1e3:7.1f} ms{stats}")


if __name__ == "__main__":
    main()
