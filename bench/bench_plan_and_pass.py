"""Planning and one pass of a fresh scan, cache off, over the corpus SIH-RD mirror of bench_scan_stats.py: median of
9 of each (a new Scan every time, so nothing planned is reused). Usage: python bench/bench_plan_and_pass.py"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import arrow_sus
import bench_scan_stats


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        source = bench_scan_stats.build_mirror(Path(work) / "mirror").as_uri()
        plan, whole = [], []
        for _ in range(9):
            t0 = time.perf_counter()
            s = arrow_sus.scan(
                "sih-rd", uf=["AC", "RR", "SC"], year=[2009, 2014, 2022, 2024], source=source, cache=False
            )
            s.schema  # noqa: B018  (plans)
            t1 = time.perf_counter()
            s.to_arrow()
            t2 = time.perf_counter()
            plan.append(t1 - t0)
            whole.append(t2 - t1)
        print(f"plan {statistics.median(plan) * 1000:.1f} ms, pass {statistics.median(whole) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
