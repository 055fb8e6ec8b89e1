"""Lookups of reference tables beside code columns: on a pyarrow table, a Polars frame, or a scan
(:func:`lookup`, ``arrow_sus.lookup``). A scan with lookups is a :class:`arrow_sus.Scan` whose engine applies
them to every batch of the scan it extends (in the engine), so it stays lazy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

from arrow_sus.errors import InvalidArgumentError
from arrow_sus.reference import info, reference_table, resolve
from arrow_sus.reference._compiled import ReferenceInfo
from arrow_sus.reference._lookup import (
    Lookup,
    apply_to_lazy_frame,
    apply_to_stream,
    apply_to_table,
    make_lookup,
    output_schema,
)
from arrow_sus.reference._table_engine import Pass
from arrow_sus.remote import Source
from arrow_sus.scan import Scan
from arrow_sus.scan_stats import ScanStats

if TYPE_CHECKING:
    import polars as pl

Data = TypeVar("Data")


class _LookupEngine:
    """Another scan's engine with lookups applied to every batch of its passes (in the engine)."""

    def __init__(self, inner: Any, lookups: list[Lookup]) -> None:
        self._inner = inner
        self._lookups = lookups

    def _schema(self) -> pa.Schema:
        return output_schema(pa.Schema._import_from_c_capsule(self._inner.schema_capsule()), self._lookups)

    def schema_capsule(self) -> object:
        return self._schema().__arrow_c_schema__()

    def files(self) -> Any:
        return self._inner.files()

    def counters(self) -> Any:
        return self._inner.counters()

    def unmapped_codes(self) -> Any:
        return self._inner.unmapped_codes()

    def execute(self) -> Pass:
        native = self._inner.execute()
        return Pass(apply_to_stream(native, self._lookups), native)


class LookupScan(Scan):
    """A scan with reference columns added beside code columns (see :func:`arrow_sus.lookup`): lazy like the
    scan it extends; its ``lazy()`` joins in Polars, so projections and filters still reach the source."""

    def __init__(self, base: Scan, lookups: list[Lookup], tables: list[pa.Table]) -> None:
        super().__init__(base.dataset, base._files, base.source, base._options)
        self._base = base
        self._lookups = lookups
        self._tables = tables
        self._origin = base
        output_schema(base.schema, lookups)  # a missing code column or a taken name fails here, not later

    def _engine(self) -> Any:
        if self._native is None:
            self._native = _LookupEngine(self._base._engine(), self._lookups)
        return self._native

    def _with(self, **changes: Any) -> Scan:
        return LookupScan(self._base._with(**changes), self._lookups, self._tables)

    @property
    def stats(self) -> ScanStats:
        """The counters of the latest pass over the files (see :attr:`arrow_sus.Scan.stats`), by this scan or
        by its ``lazy()`` frame."""
        return self._base.stats

    def lazy(self) -> pl.LazyFrame:
        """A Polars ``LazyFrame``: the scan's own (with its pushdown), then the lookups as left joins."""
        return apply_to_lazy_frame(self._base.lazy(), self._lookups, self._tables)

    def local_inputs(self) -> tuple[Path, ...]:
        """The scan's inputs (see :meth:`arrow_sus.Scan.local_inputs`)."""
        return self._base.local_inputs()


def lookup(
    data: Data,
    column: str,
    reference: str,
    columns: Sequence[str] | str | None = None,
    *,
    refresh: bool = False,
    source: str | Source | None = None,
) -> Data:
    """``data`` with a reference table's description columns beside its code column ``column``.

    Args:
        data: a ``pyarrow.Table`` or ``RecordBatch``, a Polars ``DataFrame`` or ``LazyFrame``, or an
            :class:`arrow_sus.Scan` (the result is the same kind; a scan or lazy frame stays lazy).
        column: the code column: text, integers or a dictionary of them (the categorical columns scans give;
            reference-coded columns such as CAUSABAS keep their codes under ``labels=True``).
        reference: an ``aux-*`` dataset (``"aux-cid10"``) or a dictionary reference name (``"cid10"``,
            ``"municipality"``, ``"cbo"``, ``"procedure"``, ``"cnes"``, ``"country"``...).
        columns: the reference's columns to add (default: its lookup columns, see :func:`info`), named
            ``<column>_<name>`` (``CAUSABAS_chapter``).
        refresh: match against the server's current copy instead of the compiled-in one.
        source: where the server's copy is read from (with ``refresh`` or for tables kept only there).

    The engine normalises the codes first (docs/reference.md): 6- and 7-digit municipality codes, numbers
    written with or without leading zeros, CID-10 codes with or without the dot or a filler 4th character (a
    3-character category matches its category row, a 4-character subcategory its own row, which also carries its
    category and chapter, or its category's row when the table lacks it). Codes the table lacks and nulls get
    nulls: every row is kept, in its place.

    Raises :class:`~arrow_sus.NotFoundError` for an unknown table (naming the closest ids) and
    :class:`~arrow_sus.InvalidArgumentError` for a data dataset, a column the table or the data lacks, an added
    name the data already has, or a code column that holds neither text nor integers.
    """
    name = resolve(reference)
    table = reference_table(name, refresh=refresh, source=source)
    ref = info(name) or _server_table_info(name, table)
    one = [make_lookup(column, ref, table, columns)]
    if isinstance(data, Scan):
        return LookupScan(data, one, [table])  # type: ignore[return-value]
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        table_result: Data = apply_to_table(data, one)  # a pyarrow Table or RecordBatch, as ``data``
        return table_result
    polars = _polars_kind(data)
    if polars == "DataFrame":
        import polars as pl

        return pl.from_arrow(apply_to_table(data.to_arrow(), one))  # type: ignore[attr-defined,return-value]
    if polars == "LazyFrame":
        return apply_to_lazy_frame(data, one, [table])  # type: ignore[arg-type,return-value]
    raise InvalidArgumentError(
        f"lookup works on a pyarrow Table or RecordBatch, a Polars DataFrame or LazyFrame, or an arrow_sus.Scan, "
        f"not {type(data).__name__}"
    )


def _server_table_info(dataset: str, table: pa.Table) -> ReferenceInfo:
    """A table kept only on the server: its first column is the key (text), the others its descriptions."""
    return ReferenceInfo(
        dataset=dataset, reference="", title_en="", title_pt="", key=table.column_names[0], key_kind="code",
        key_width=0, lookup=tuple(table.column_names[1:]), inputs=(dataset,), columns=(), sources=(), note="",
        rows=table.num_rows,
    )  # fmt: skip


def _polars_kind(data: object) -> str | None:
    """``"DataFrame"`` / ``"LazyFrame"`` for Polars frames (without importing Polars for other data)."""
    kind = type(data)
    return kind.__name__ if kind.__module__.startswith("polars") else None


__all__ = ["LookupScan", "lookup"]
