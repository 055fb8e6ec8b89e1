"""Peak memory of N async scans streaming at once (issue 21: memory follows the configuration per stream, not
the results): each of N passes over the corpus SIH-RD mirror of bench_scan_stats.py is consumed batch by batch
on one event loop, and the process's peak RSS above its level after a warm-up is divided by N. Each N runs in
a fresh process (peak RSS only grows). Usage: python bench/bench_async_memory.py [--n 50 200] [--files 1 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_scan_stats

CHILD = """
    import asyncio, json, os, resource, sys
    import arrow_sus
    source, n, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kw = dict(uf=["AC", "RR", "SC"], year=[2009, 2014, 2022, 2024], cache=False, source=source,
              max_concurrent_files=files)
    def rss_mb():
        return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    async def consume():
        rows = 0
        async for batch in arrow_sus.scan("sih-rd", **kw).stream_async():
            rows += batch.num_rows
        return rows
    async def many(k):
        return await asyncio.gather(*(consume() for _ in range(k)))
    asyncio.run(many(4))
    before = rss_mb()
    asyncio.run(many(n))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"before": before, "peak": peak}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="*", default=[50, 200])
    parser.add_argument("--files", type=int, nargs="*", default=[1, 2], help="max_concurrent_files per scan")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        source = bench_scan_stats.build_mirror(Path(work) / "mirror").as_uri()
        print(f"{'N':>4} {'files':>5} {'before MB':>10} {'peak MB':>8} {'MB/stream':>9}")
        for files in args.files:
            for n in args.n:
                done = subprocess.run(
                    [sys.executable, "-c", textwrap.dedent(CHILD), source, str(n), str(files)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                r = json.loads(done.stdout)
                growth = (r["peak"] - r["before"]) / n
                print(f"{n:>4} {files:>5} {r['before']:>10.0f} {r['peak']:>8.0f} {growth:>9.2f}")


if __name__ == "__main__":
    main()
