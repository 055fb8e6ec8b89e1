"""describe(): the data dictionary of a dataset, from the compiled-in schemas and column notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from arrow_sus._native import _core
from arrow_sus.catalog._tables import dataset_info, format_period
from arrow_sus.errors import NotFoundError


def arrow_type(dbf_type: str, length: int, decimals: int, semantic: str | None) -> pa.DataType:
    """The Arrow type a DBF field reads as: the reader's own rule (``arrow_sus.read_dbc`` defaults), with
    dates held in C fields as ``date32`` when typed semantically (as scans do)."""
    if semantic == "date" and dbf_type == "C":
        return pa.date32()
    capsule = _core.dbf_field_schema("F", dbf_type, length, decimals)
    return pa.Schema._import_from_c_capsule(capsule).field(0).type


def _period_text(first: int, last: int) -> str:
    """``"2008-01..2024-12"``, one period, or ``"any"`` for the tables that have no period (0)."""
    a, b = format_period(first) or "any", format_period(last) or "any"
    return a if a == b else f"{a}..{b}"


def _chosen_variants(
    dataset: str, variants: list[dict[str, Any]], year: int | None, month: int | None
) -> list[dict[str, Any]]:
    """The field lists in force for a period (default: the latest).

    Files of one period can differ (a state file and the national file, or two published copies), so
    every variant covering the period counts; without one, the engine's choice (the latest variant
    that started before the period, else the earliest).
    """
    if year is None:
        return [variants[-1]]
    key = year * 100 + (month or 0)

    def covers(v: dict[str, Any]) -> bool:
        if not month:
            return v["first"] // 100 <= year <= v["last"] // 100
        return v["first"] <= key <= v["last"] or (v["first"] % 100 == 0 and v["first"] // 100 == year)

    covering = [v for v in variants if covers(v)]
    return covering or [_core.catalog_find_schema(dataset, year, month or 0) or variants[-1]]


def _merged_fields(variants: list[dict[str, Any]]) -> list[tuple[str, str, int, int]]:
    """The union of the variants' fields, in first-seen order (the first variant's layout wins)."""
    seen: dict[str, tuple[str, str, int, int]] = {}
    for variant in variants:
        for field in variant["fields"]:
            seen.setdefault(field[0].upper(), tuple(field))
    return list(seen.values())


@dataclass(frozen=True)
class DataDictionary:
    """The columns of one dataset for one period, with their DBF layout, Arrow type and meaning."""

    dataset: str
    name: str
    period: str
    table: pa.Table

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """Arrow C stream of :attr:`table` (so pyarrow, Polars and DuckDB accept the dictionary)."""
        return self.table.__arrow_c_stream__(requested_schema)

    def __repr__(self) -> str:
        lines = [f"{self.dataset} ({self.name}), fields of {self.period}:"]
        for row in self.table.to_pylist():
            dbf = f"{row['dbf_type']}({row['length']}{',' + str(row['decimals']) if row['decimals'] else ''})"
            lines.append(f"  {row['name']:<11} {dbf:<9} {row['arrow_type']:<12} {row['description'] or ''}")
        return "\n".join(lines)


def _live_variant(dataset: str, year: int | None, month: int | None, source: str) -> dict[str, Any]:
    """The field list of the dataset's latest file on ``source`` for the period (one ranged read)."""
    from arrow_sus.reader import open_dbf, reader_header
    from arrow_sus.remote import _resolve, list_files

    src = _resolve(source)
    files = list_files(dataset, year=year, month=month, source=src)
    if not files:
        raise NotFoundError(f"no {dataset} file on {src.url} for that period to read the field list from")
    latest = max(files, key=lambda f: ((f.year or 0), (f.month or 0), f.path))
    head = src._native.read_range(latest.path, 0, 32 + 32 * 255 + 2 + 4)
    header = reader_header(open_dbf(head))
    key = (latest.year or 0) * 100 + (latest.month or 0)
    return {"first": key, "last": key, "fields": [tuple(f) for f in header["fields"]]}


def describe(
    dataset: str, year: int | None = None, month: int | None = None, *, source: str | None = None
) -> DataDictionary:
    """The data dictionary of ``dataset`` for a period (default: the latest known field list).

    Each row is a column: name, DBF type, length and decimals, Arrow type, semantic type (date with its
    format, or a code with its code table), description, and the periods (of the real files the
    catalog was built from) where the column exists. For a dataset whose field lists were not compiled
    in, ``source`` (a server or mirror URL) reads them from the header of its latest file there.
    Raises :class:`arrow_sus.NotFoundError` when the dataset is unknown or no field list can be found.
    """
    info = dataset_info(dataset)
    variants = _core.catalog_schemas(info["id"])
    if not variants:
        if source is None:
            raise NotFoundError(
                f"no field list compiled in for {info['id']}; pass source= (e.g. the DATASUS FTP or a mirror) "
                "to read it from the header of one of its files"
            )
        variants = [_live_variant(info["id"], year, month, source)]
    chosen = _chosen_variants(info["id"], variants, year, month)
    notes = {c["name"].upper(): c for c in _core.catalog_columns(info["id"])}
    periods: dict[str, list[str]] = {}
    for variant in variants:
        for field in variant["fields"]:
            seen = periods.setdefault(field[0].upper(), [])
            period = _period_text(variant["first"], variant["last"])
            if period not in seen:  # several files of one period (state and national copies) count once
                seen.append(period)
    rows = []
    for name, dbf_type, length, decimals in _merged_fields(chosen):
        note = notes.get(name.upper(), {})
        semantic = note.get("semantic")
        rows.append(
            {
                "name": name,
                "dbf_type": dbf_type,
                "length": length,
                "decimals": decimals,
                "arrow_type": str(arrow_type(dbf_type, length, decimals, semantic)),
                "semantic": semantic,
                "format": note.get("format"),
                "code_table": note.get("code_table"),
                "description": note.get("description"),
                "periods": periods[name.upper()],
            }
        )
    schema = pa.schema(
        [
            ("name", pa.string()),
            ("dbf_type", pa.string()),
            ("length", pa.int32()),
            ("decimals", pa.int32()),
            ("arrow_type", pa.string()),
            ("semantic", pa.string()),
            ("format", pa.string()),
            ("code_table", pa.string()),
            ("description", pa.string()),
            ("periods", pa.list_(pa.string())),
        ]
    )
    return DataDictionary(
        dataset=info["id"],
        name=info["name_en"],
        period=_period_text(min(v["first"] for v in chosen), max(v["last"] for v in chosen)),
        table=pa.Table.from_pylist(rows, schema=schema),
    )
