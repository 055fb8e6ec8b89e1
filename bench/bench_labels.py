"""Coded columns as dictionaries, and labels: what they cost and what they save (issue 18's targets).

For real files of the corpus — SIH-RD (RDSC0907), SIA-PA (PAAC2401), SINASC (DNAP2019, DNAC2009) — it measures,
side by side in one run:

* Arrow table bytes (``Table.nbytes``) with coded columns as dictionaries (the default) and as plain strings,
  against the DBF bytes (header + records);
* ``polars.from_arrow`` of each table, and a group-by (count) on a code column, dictionary vs strings;
* ``read_dbc`` with ``labels=True`` against ``labels=False`` (the label swap's cost).

Each timing is the best of ``--repeat`` runs, the two sides of a ratio taking turns; each ratio is printed for
three rounds so that its spread shows.

    python bench/bench_labels.py [--repeat 9] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa

import arrow_sus

ROOT = Path(__file__).resolve().parents[1]
#: File, and the code column grouped on.
FILES = [("RDSC0907.dbc", "SEXO"), ("PAAC2401.dbc", "PA_SEXO"), ("DNAP2019.dbc", "SEXO"), ("DNAC2009.DBC", "SEXO")]


def corpus() -> Path:
    path = Path(os.environ.get("ARROW_SUS_CORPUS", ROOT.parent / "shared" / "corpus"))
    if not path.is_dir():
        sys.exit(f"corpus not found at {path}: set ARROW_SUS_CORPUS")
    return path


def dbf_bytes(path: Path) -> int:
    """Header plus records, from the header of the DBF the .dbc holds."""
    head = path.read_bytes()[:12]
    records, header_length, record_length = struct.unpack_from("<IHH", head, 4)
    return header_length + records * record_length


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def turns(a: Callable[[], object], b: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best times of `a` and `b`, run in alternation."""
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(best(a, 1))
        tb.append(best(b, 1))
    return min(ta), min(tb)


def ratios(path: Path, column: str, coded: pa.Table, plain: pa.Table, rounds: int, repeat: int) -> list[list[float]]:
    """Per round: from_arrow strings/dictionaries, group-by strings/dictionaries, labels=True / False."""
    frame_coded, frame_plain = pl.from_arrow(coded), pl.from_arrow(plain)
    out: list[list[float]] = [[], [], []]
    for _ in range(rounds):
        t_dict, t_str = turns(lambda: pl.from_arrow(coded), lambda: pl.from_arrow(plain), repeat)
        out[0].append(t_str / t_dict)
        g_dict, g_str = turns(
            lambda: frame_coded.group_by(column).len(), lambda: frame_plain.group_by(column).len(), repeat
        )
        out[1].append(g_str / g_dict)
        t_labels, t_codes = turns(
            lambda: arrow_sus.read_dbc(path, labels=True), lambda: arrow_sus.read_dbc(path), repeat
        )
        out[2].append(t_labels / t_codes)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = corpus()
    print(f"arrow-sus {arrow_sus.__version__}, pyarrow {pa.__version__}, polars {pl.__version__}")
    print("\n| file | DBF MB | strings MB (x DBF) | dictionaries MB (x DBF) | coded columns |")
    print("| --- | --- | --- | --- | --- |")
    tables = {}
    for name, _ in FILES:
        path = root / name
        coded = arrow_sus.read_dbc(path)
        plain = arrow_sus.read_dbc(path, codes_as="string")
        tables[name] = (coded, plain)
        dbf = dbf_bytes(path)
        n_coded = sum(pa.types.is_dictionary(f.type) for f in coded.schema)
        print(
            f"| {name} | {dbf / 1e6:.2f} | {plain.nbytes / 1e6:.2f} ({plain.nbytes / dbf:.2f}) | "
            f"{coded.nbytes / 1e6:.2f} ({coded.nbytes / dbf:.2f}) | {n_coded} of {coded.num_columns} |"
        )
    print("\nRatios (strings time / dictionaries time; labels=True time / labels=False time), per round:")
    print("| file | from_arrow | group-by | labels=True cost |")
    print("| --- | --- | --- | --- |")
    for name, column in FILES:
        coded, plain = tables[name]
        cells = ratios(root / name, column, coded, plain, args.rounds, args.repeat)
        print(f"| {name} | " + " | ".join(", ".join(f"{v:.2f}x" for v in values) for values in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
