#!/usr/bin/env python3
"""Regenerates data/periods.json: the periods (years, and months of monthly datasets) the DATASUS server
listing holds files for, per dataset, compiled into the catalog (``arrow_sus.describe(...).years``).

Reads a server listing (``listing-YYYY-MM-DD.tsv.gz``: a ``full_path`` column, one data file per row), names
each path with the catalog (``arrow_sus.catalog.parse_paths``; the listing's own dataset column is a
third-party guess and is not used) and writes, per dataset, its periods as runs of consecutive ones
(``"2008-01..2026-02"``, ``"1996..2024"``). Placeholder files (``EFufAAmm``) carry no period and are left out.

Usage: python tools/make_periods.py [LISTING]   (default: ../shared/ftp-listing/listing-*.tsv.gz, the latest)
Needs arrow-sus installed (the catalog parses the names).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
from pathlib import Path

from arrow_sus.catalog import parse_paths

ROOT = Path(__file__).resolve().parents[1]


def period_text(key: int) -> str:
    """``2008-01`` for a month key (YYYYMM), ``1996`` for a year key (YYYY00)."""
    year, month = divmod(key, 100)
    return f"{year:04d}-{month:02d}" if month else f"{year:04d}"


def following(key: int) -> int:
    """The key after ``key``: the next month, or the next year for year keys."""
    year, month = divmod(key, 100)
    if month == 0:
        return (year + 1) * 100
    return (year + 1) * 100 + 1 if month == 12 else key + 1


def runs(keys: set[int]) -> list[str]:
    """Sorted period keys as runs of consecutive periods."""
    out: list[str] = []
    first = last = None
    for key in sorted(keys):
        if last is not None and key == following(last):
            last = key
            continue
        if first is not None:
            out.append(period_text(first) if first == last else f"{period_text(first)}..{period_text(last)}")
        first = last = key
    if first is not None:
        out.append(period_text(first) if first == last else f"{period_text(first)}..{period_text(last)}")
    return out


def main() -> int:
    if len(sys.argv) > 1:
        listing = Path(sys.argv[1])
    else:
        listing = sorted((ROOT.parent / "shared" / "ftp-listing").glob("listing-*.tsv.gz"))[-1]
    listed_on = re.search(r"\d{4}-\d{2}-\d{2}", listing.name)
    with gzip.open(listing, "rb") as fh:
        paths = [row["full_path"] for row in csv.DictReader(io.TextIOWrapper(fh, "utf-8"), delimiter="\t")]
    periods: dict[str, set[int]] = {}
    unnamed = 0
    for ref in parse_paths(paths):
        if ref is None:
            unnamed += 1
            continue
        if ref.placeholder or ref.year is None:
            continue
        periods.setdefault(ref.dataset, set()).add(ref.year * 100 + (ref.month or 0))
    doc = {
        "format": "arrow-sus-periods",
        "listing": listing.name,
        "listed_on": listed_on.group(0) if listed_on else None,
        "files": len(paths),
        "datasets": {dataset: runs(keys) for dataset, keys in sorted(periods.items())},
    }
    target = ROOT / "data" / "periods.json"
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(target)
    print(f"{target}: {len(periods)} datasets from {len(paths)} files ({unnamed} not named by the catalog)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
