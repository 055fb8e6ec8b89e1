"""Warm re-reads of one cached month, repeated in one process: what reading a converted-cache entry costs
(checksum verification included), with less noise than bench_scan.py's fresh process per case.

The month is bench_scan.py's (250,000 SIH-RD rows made from ../shared/corpus/RDAC2401.dbc, built once under
--workdir). A fresh cache is filled by one scan, warmed by one more, then each case is scanned --repeat times
(streamed batch by batch, as bench_scan.py does): all 113 columns, and 5 columns.

    python bench/bench_warm_reread.py --workdir /tmp/asb --repeat 15
    python bench/bench_warm_reread.py --format ipc --repeat 15

Prints the best and the median time of each case, in milliseconds, as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

import arrow_sus
from arrow_sus.cache import CACHE_FORMATS, DEFAULT_CACHE_FORMAT
from bench_scan import warm_cache_month

CASES = {"all columns": {}, "5 columns": {"columns": ["DT_INTER", "SEXO", "IDADE", "DIAG_PRINC", "VAL_TOT"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/arrow-sus-bench"))
    parser.add_argument("--format", choices=CACHE_FORMATS, default=DEFAULT_CACHE_FORMAT)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    month_dir, _ = warm_cache_month(args.workdir)
    cache_dir = args.workdir / f"reread-{args.format}"
    shutil.rmtree(cache_dir, ignore_errors=True)
    scan = {
        "source": month_dir.as_uri(),
        "uf": "AC",
        "year": 2024,
        "month": 1,
        "cache_dir": str(cache_dir),
        "cache_format": args.format,
    }
    for _ in range(2):  # fills the cache, then reads it once
        arrow_sus.scan("sih-rd", **scan).to_arrow()
    results = {}
    for name, extra in CASES.items():
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            s = arrow_sus.scan("sih-rd", **scan, **extra)
            for _batch in s.stream():
                pass
            times.append(time.perf_counter() - start)
            assert s.stats.files_from_cache == 1, "not read from the cache"
        results[name] = {"best_ms": round(min(times) * 1e3, 1), "median_ms": round(statistics.median(times) * 1e3, 1)}
    print(json.dumps({"format": args.format, "repeat": args.repeat, **results}))


if __name__ == "__main__":
    main()
