"""describe(): the data dictionary of a dataset, from the compiled-in schemas and column notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from arrow_sus._native import _core
from arrow_sus.catalog._tables import dataset_info, format_period
from arrow_sus.errors import NotFoundError


def arrow_type(dbf_type: str, length: int, decimals: int, semantic: str | None) -> pa.DataType:
    """The Arrow type a DBF field reads as when typed semantically.

    Dates held in C fields become ``date32``; N fields without decimals become ``int64`` (up to 18
    digits, else ``string`` to keep every digit), with decimals ``float64``.
    """
    if semantic == "date" or dbf_type == "D":
        return pa.date32()
    if dbf_type == "N":
        if decimals:
            return pa.float64()
        return pa.int64() if length <= 18 else pa.string()
    if dbf_type == "F":
        return pa.float64()
    if dbf_type == "L":
        return pa.bool_()
    return pa.string()


def _period_text(first: int, last: int) -> str:
    a, b = format_period(first), format_period(last)
    return a if a == b else f"{a}..{b}"


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
            lines.append(f"  {row['name']:<11} {dbf:<9} {row['arrow_type']:<8} {row['description'] or ''}")
        return "\n".join(lines)


def describe(dataset: str, year: int | None = None, month: int | None = None) -> DataDictionary:
    """The data dictionary of ``dataset`` for a period (default: the latest known field list).

    Each row is a column: name, DBF type, length and decimals, Arrow type, semantic type (date with its
    format, or a code with its code table), description, and the periods (of the real files the
    catalog was built from) where the column exists. Raises :class:`arrow_sus.NotFoundError` when the
    dataset is unknown or no field list of it has been recorded.
    """
    info = dataset_info(dataset)
    variants = _core.catalog_schemas(info["id"])
    if not variants:
        raise NotFoundError(f"no field list recorded for {info['id']} (no sample file was catalogued)")
    if year is None:
        chosen: dict[str, Any] = variants[-1]
    else:
        chosen = _core.catalog_find_schema(info["id"], year, month or 0)
    notes = {c["name"].upper(): c for c in _core.catalog_columns(info["id"])}
    periods: dict[str, list[str]] = {}
    for variant in variants:
        for field in variant["fields"]:
            periods.setdefault(field[0], []).append(_period_text(variant["first"], variant["last"]))
    rows = []
    for name, dbf_type, length, decimals in chosen["fields"]:
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
                "periods": periods[name],
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
        period=_period_text(chosen["first"], chosen["last"]),
        table=pa.Table.from_pylist(rows, schema=schema),
    )
