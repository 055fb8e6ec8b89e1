"""Coded columns as dictionaries, and labels: what they cost and what they save (issue 18's targets).

For real files of the corpus — SIH-RD (RDSC0907), SIA-PA (PAAC2401), SINASC (DNAP2019, DNAC2009), SIM (DOINF21) —
it measures, side by side in one run:

* Arrow table bytes (``Table.nbytes``) with coded columns as dictionaries (the default) and as plain strings
  (``codes_as="string"``), against the DBF bytes (header + records); the pandas memory of the coded columns
  (strings against categoricals);
* on the file's coded columns, repeated to about a million rows (a state-year of SIA-PA or SIH-RD is several
  millions): ``polars.from_arrow``, a Polars group-by (count) on a code column, and ``to_pandas``, dictionaries
  against strings;
* ``read_dbc`` with ``labels=True`` against ``labels=False`` (the label swap's cost), on the whole file.

Timings are the best of ``--repeat`` runs, the two sides of a ratio taking turns; each ratio is printed for
``--rounds`` rounds so that its spread shows.

    python bench/bench_labels.py [--repeat 7] [--rounds 3] [--rows 1000000]
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
FILES = [
    ("RDSC0907.dbc", "SEXO"),
    ("PAAC2401.dbc", "PA_SEXO"),
    ("DNAP2019.dbc", "SEXO"),
    ("DNAC2009.DBC", "SEXO"),
    ("DOINF21.dbc", "SEXO"),
]


def corpus() -> Path:
    path = Path(os.environ.get("ARROW_SUS_CORPUS", ROOT.parent / "shared" / "corpus"))
    if not path.is_dir():
        sys.exit(f"corpus not found at {path}: set ARROW_SUS_CORPUS")
    return path


def dbf_bytes(path: Path) -> int:
    """Header plus records, from the header of the DBF the .dbc holds."""
    records, header_length, record_length = struct.unpack_from("<IHH", path.read_bytes()[:12], 4)
    return header_length + records * record_length


def pandas_bytes(table: pa.Table) -> int:
    """Memory of `table` as a pandas DataFrame, strings counted in full."""
    return int(table.to_pandas().memory_usage(deep=True).sum())


def elapsed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def turns(a: Callable[[], object], b: Callable[[], object], repeat: int) -> float:
    """Best time of `b` over best time of `a`, the two run in alternation."""
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(elapsed(a))
        tb.append(elapsed(b))
    return min(tb) / min(ta)


def scaled(table: pa.Table, rows: int) -> pa.Table:
    """`table` repeated until it holds about `rows` rows (chunks share their dictionaries, as within a file)."""
    return pa.concat_tables([table] * max(1, rows // max(1, table.num_rows)))


def ratios(
    path: Path, column: str, coded: pa.Table, plain: pa.Table, args: argparse.Namespace
) -> dict[str, list[float]]:
    """Per round: strings time over dictionaries time (from_arrow, group-by, to_pandas); labels=True over
    labels=False (whole-file read)."""
    frame_coded, frame_plain = pl.from_arrow(coded), pl.from_arrow(plain)
    out: dict[str, list[float]] = {"from_arrow": [], "group-by": [], "to_pandas": [], "labels": []}
    for _ in range(args.rounds):
        out["from_arrow"].append(turns(lambda: pl.from_arrow(coded), lambda: pl.from_arrow(plain), args.repeat))
        out["group-by"].append(
            turns(lambda: frame_coded.group_by(column).len(), lambda: frame_plain.group_by(column).len(), args.repeat)
        )
        out["to_pandas"].append(turns(coded.to_pandas, plain.to_pandas, args.repeat))
        out["labels"].append(
            turns(lambda: arrow_sus.read_dbc(path), lambda: arrow_sus.read_dbc(path, labels=True), args.repeat)
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    root = corpus()
    print(f"arrow-sus {arrow_sus.__version__}, pyarrow {pa.__version__}, polars {pl.__version__}")
    print(
        "\n| file | DBF MB | strings MB (x DBF) | dictionaries MB (x DBF) | coded columns "
        "| pandas MB of coded columns: strings / categoricals |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    tables = {}
    for name, _ in FILES:
        path = root / name
        coded = arrow_sus.read_dbc(path)
        plain = arrow_sus.read_dbc(path, codes_as="string")
        tables[name] = (coded, plain)
        dbf = dbf_bytes(path)
        names = [f.name for f in coded.schema if pa.types.is_dictionary(f.type)]
        print(
            f"| {name} | {dbf / 1e6:.2f} | {plain.nbytes / 1e6:.2f} ({plain.nbytes / dbf:.2f}) | "
            f"{coded.nbytes / 1e6:.2f} ({coded.nbytes / dbf:.2f}) | {len(names)} of {coded.num_columns} | "
            f"{pandas_bytes(plain.select(names)) / 1e6:.2f} / {pandas_bytes(coded.select(names)) / 1e6:.2f} |"
        )
    print(
        f"\nOn the coded columns, repeated to ~{args.rows:,} rows: strings time / dictionaries time; whole file: "
        "labels=True time / labels=False time. One value per round."
    )
    print("| file | from_arrow | group-by | to_pandas | labels=True cost |")
    print("| --- | --- | --- | --- | --- |")
    for name, column in FILES:
        coded, plain = tables[name]
        names = [f.name for f in coded.schema if pa.types.is_dictionary(f.type)]
        cells = ratios(
            root / name, column, scaled(coded.select(names), args.rows), scaled(plain.select(names), args.rows), args
        )
        print(f"| {name} | " + " | ".join(", ".join(f"{v:.2f}x" for v in values) for values in cells.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
