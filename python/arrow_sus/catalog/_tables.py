"""The compiled-in catalog tables as Arrow tables and plain lookups: datasets, states, municipalities."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from arrow_sus._native import _core
from arrow_sus.errors import NotFoundError


def format_period(key: int) -> str | None:
    """A period key (``YYYYMM``, month 0 for yearly) as ``"2008-01"`` or ``"1996"``; ``None`` for 0."""
    if key == 0:
        return None
    year, month = divmod(key, 100)
    return f"{year:04d}" if month == 0 else f"{year:04d}-{month:02d}"


def _layout_range(layout: dict[str, Any], dataset: dict[str, Any]) -> tuple[str | None, str | None]:
    """First and last period of a layout as text (the last is ``None`` while still published)."""
    first, last = layout["first"], layout["last"]
    yearly = dataset["periodicity"] != "monthly"
    first_text = None if first == 0 else (f"{first // 100:04d}" if yearly else format_period(first))
    last_text = None if last == 0 else (f"{last // 100:04d}" if yearly else format_period(last))
    return first_text, last_text


def dataset_info(dataset: str) -> dict[str, Any]:
    """Everything the catalog knows about one dataset (a dict; see :func:`datasets` for the fields)."""
    info = _core.catalog_dataset(dataset)
    if info is None:
        ids = datasets().column("id").to_pylist()
        close = difflib.get_close_matches(str(dataset).lower(), ids, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise NotFoundError(f"unknown dataset {dataset!r}; {hint}arrow_sus.datasets() lists them")
    for layout in info["layouts"]:
        layout["first_period"], layout["last_period"] = _layout_range(layout, info)
    return info


def datasets() -> pa.Table:
    """Every dataset of the catalog, one row each.

    Columns: id, system, group, kind (data or auxiliary), names and one-line descriptions in Portuguese
    and English, periodicity, coverage (uf, national, both), file_type, encoding, first_period,
    last_period (null while still published), directories, listed (present in the reviewed server
    listing), documentation and auxiliary (server paths).
    """
    rows = []
    for info in _core.catalog_datasets():
        ranges = [_layout_range(layout, info) for layout in info["layouts"] if not layout["placeholder"]]
        firsts = [first for first, _ in ranges if first]
        lasts = [last for _, last in ranges if last is not None]
        rows.append(
            {
                **{k: info[k] for k in ("id", "system", "group", "kind", "name_pt", "name_en")},
                **{k: info[k] for k in ("description_pt", "description_en", "periodicity", "coverage")},
                "file_type": info["file_type"],
                "encoding": info["encoding"],
                "first_period": min(firsts) if firsts else None,
                "last_period": max(lasts) if lasts and len(lasts) == len(ranges) else None,
                "directories": sorted({layout["directory"] for layout in info["layouts"] if layout["directory"]}),
                "listed": info["listed"],
                "documentation": info["documentation"],
                "auxiliary": info["auxiliary"],
            }
        )
    return pa.Table.from_pylist(rows)


@dataclass(frozen=True)
class Uf:
    """A federative unit (or ``BR`` for national files)."""

    code: str
    ibge: int
    name: str
    region: str


@dataclass(frozen=True)
class Municipality:
    """A municipality code as it appears in DATASUS files (historic and "ignored" codes included)."""

    code6: int
    code7: int | None
    name: str
    uf: str | None
    current: bool
    status: str | None


def ufs() -> pa.Table:
    """The 27 states and ``BR``: code, IBGE code, name, region."""
    rows = _core.catalog_ufs()
    return pa.table({k: [r[i] for r in rows] for i, k in enumerate(("code", "ibge", "name", "region"))})


def find_uf(code: str) -> Uf | None:
    """The state with this two-letter code (case-insensitive), or ``None``."""
    row = _core.catalog_find_uf(code)
    return Uf(*row) if row else None


def _municipality(row: tuple[Any, ...]) -> Municipality:
    code6, code7, name, uf, current, status = row
    return Municipality(code6, code7 or None, name, uf or None, current, status or None)


def municipalities() -> pa.Table:
    """Every municipality code: code6, code7 (null without check digit), name, uf, current, status."""
    rows = [_municipality(r) for r in _core.catalog_municipalities()]
    names = ("code6", "code7", "name", "uf", "current", "status")
    return pa.table({k: [getattr(m, k) for m in rows] for k in names})


def find_municipality(code: int | str) -> Municipality | None:
    """The municipality with this 6-digit code or 7-digit IBGE code, or ``None``."""
    row = _core.catalog_find_municipality(int(code))
    return _municipality(row) if row else None
