"""Lookups in the compiled-in reference tables (``arrow_sus.lookup``): what adding a description column costs.

A million codes drawn at random from the table's own keys: CID-10 codes as text and as a dictionary (the
categorical column scans give), municipality codes as integers; the lookup adds one column. The first lookup of a
table inflates and parses it (printed separately); timings are the best of ``--repeat`` runs.

    python bench/bench_lookup.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pyarrow as pa

import arrow_sus


def best_of(repeat: int, run) -> float:  # type: ignore[no-untyped-def]
    """The shortest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for dataset in ("aux-cid10", "aux-cadmun"):
        started = time.perf_counter()
        arrow_sus.reference_table(dataset)
        print(f"{dataset}: first use (inflate + parse) {time.perf_counter() - started:.4f} s")
    rng = np.random.default_rng(0)
    cid10 = rng.choice(arrow_sus.reference_table("aux-cid10").column("code").to_numpy(zero_copy_only=False), args.rows)
    municipalities = rng.choice(
        arrow_sus.reference_table("aux-cadmun").column("code6").to_numpy(zero_copy_only=False), args.rows
    )
    cases = [
        ("CID-10 text -> chapter", pa.array(cid10), "aux-cid10", "chapter"),
        ("CID-10 dictionary -> chapter", pa.array(cid10).dictionary_encode(), "aux-cid10", "chapter"),
        ("municipality int64 -> name", pa.array(municipalities.astype(np.int64)), "aux-cadmun", "name"),
    ]
    for name, codes, reference, column in cases:
        table = pa.table({"C": codes})
        seconds = best_of(args.repeat, lambda t=table, r=reference, c=column: arrow_sus.lookup(t, "C", r, columns=c))
        print(f"{name}: {args.rows:,} rows {seconds:.3f} s ({args.rows / seconds / 1e6:.1f} M rows/s)")


if __name__ == "__main__":
    main()
