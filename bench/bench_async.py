"""N concurrent async scans vs one synchronous scan of the same total bytes (issue 21's target: >= 0.9x at
N = 1, 10, 100), with the event loop's latency while the async scans run.

Each pass reads the corpus SIH-RD mirror of bench_scan_stats.py (cache off, a file:// source, so the pass is
decoding, not network). The synchronous side runs N passes one after the other on one thread (``to_arrow``);
the async side runs the N passes at once on one event loop (``to_arrow_async``), while a timer task ticking
every 5 ms records how late each tick is (the scans are made, their directory listed, before either clock).
Sides alternate within each round; the ratio is
sync time / async time (above 1: async is faster). Usage: python bench/bench_async.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import arrow_sus
import bench_scan_stats

SCAN = {"uf": ["AC", "RR", "SC"], "year": [2009, 2014, 2022, 2024], "cache": False}


def sync_passes(scans: list[arrow_sus.Scan]) -> tuple[float, int]:
    started = time.perf_counter()
    rows = sum(s.to_arrow().num_rows for s in scans)
    return time.perf_counter() - started, rows


async def async_passes(scans: list[arrow_sus.Scan]) -> tuple[float, int, list[float]]:
    late: list[float] = []
    done = False

    async def probe() -> None:
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            late.append(time.perf_counter() - before - 0.005)

    timer = asyncio.create_task(probe())
    started = time.perf_counter()
    tables = await asyncio.gather(*(s.to_arrow_async() for s in scans))
    elapsed = time.perf_counter() - started
    done = True
    await timer
    return elapsed, sum(t.num_rows for t in tables), late


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, nargs="*", default=[1, 10, 100])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        source = bench_scan_stats.build_mirror(Path(work) / "mirror").as_uri()

        # Scans are made (their directory listed) before the clock and the probe start: what is measured is
        # passes. A new Scan per pass, so nothing planned is reused.
        def scans(n: int) -> list[arrow_sus.Scan]:
            return [arrow_sus.scan("sih-rd", source=source, **SCAN) for _ in range(n)]

        first = scans(1)[0]
        first.to_arrow()  # warm: pools, page cache
        print(f"one pass: {first.stats.rows:,} rows from {first.stats.bytes_read / 1e6:.1f} MB of .dbc")
        header = ("N", "sync s", "async s", "ratio", "spread", "p50 ms", "p99 ms", "max ms")
        print(" ".join(f"{h:>{w}}" for h, w in zip(header, (4, 8, 8, 6, 13, 7, 7, 7), strict=True)))
        for n in args.n:
            ratios, syncs, asyncs, late = [], [], [], []
            for _ in range(args.rounds):
                s_time, s_rows = sync_passes(scans(n))
                a_time, a_rows, a_late = asyncio.run(async_passes(scans(n)))
                assert s_rows == a_rows, (s_rows, a_rows)
                syncs.append(s_time)
                asyncs.append(a_time)
                ratios.append(s_time / a_time)
                late.extend(a_late)
            print(
                f"{n:>4} {statistics.median(syncs):>8.2f} {statistics.median(asyncs):>8.2f} "
                f"{statistics.median(ratios):>6.2f} {min(ratios):>6.2f}-{max(ratios):<6.2f} "
                f"{percentile(late, 0.5) * 1000:>7.1f} {percentile(late, 0.99) * 1000:>7.1f} {max(late) * 1000:>7.1f}"
            )


if __name__ == "__main__":
    main()
