"""Adding a reference table's description columns beside a code column (:func:`arrow_sus.lookup`).

The engine does the work (``reference/lookup.h``): it normalises the codes to the table's key by the table's
``key_kind`` (docs/reference.md: 6- or 7-digit municipality codes, numbers or text, dictionary columns, CID-10
with or without the dot) and takes the matching rows, nulls where a code has none, so every row keeps its
place. This module hands it pyarrow tables, Polars frames and streams (a lazy Polars frame joins on the keys the
engine normalises, so Polars keeps pushing projections and filters into the source).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from arrow_sus._native import _core

if TYPE_CHECKING:
    import polars as pl

    from arrow_sus.reference._compiled import ReferenceInfo

#: A prepared lookup: the engine's ``reference::Lookup``.
Lookup = Any


def make_lookup(column: str, info: ReferenceInfo, table: pa.Table, columns: Sequence[str] | str | None) -> Lookup:
    """A lookup of ``column``'s codes in ``table`` adding ``columns`` (default: the table's lookup columns);
    :class:`~arrow_sus.InvalidArgumentError` names a column the table lacks."""
    if isinstance(columns, str):
        columns = [columns]
    wanted = list(dict.fromkeys(columns)) if columns is not None else list(info.lookup)
    spec = _core.reference.LookupSpec(info.dataset, info.key, info.key_kind, info.key_width, column, wanted)
    return _core.reference.Lookup.make(table.__arrow_c_stream__(), spec)


def apply_to_stream(data: Any, lookups: Sequence[Lookup]) -> pa.RecordBatchReader:
    """The batches of ``data`` (anything with ``__arrow_c_stream__``) with every lookup's columns beside its
    code column; :class:`~arrow_sus.InvalidArgumentError` at once for a missing code column or a taken name."""
    capsule = _core.reference.apply_lookups(data.__arrow_c_stream__(), list(lookups))
    return pa.RecordBatchReader._import_from_c_capsule(capsule)


def output_schema(schema: pa.Schema, lookups: Sequence[Lookup]) -> pa.Schema:
    """The schema :func:`apply_to_stream` gives data of ``schema``."""
    return apply_to_stream(schema.empty_table(), lookups).schema


def apply_to_table(data: pa.Table | pa.RecordBatch, lookups: Sequence[Lookup]) -> pa.Table | pa.RecordBatch:
    """A pyarrow table or record batch with the lookups' columns (the same kind back)."""
    if isinstance(data, pa.Table):
        return apply_to_stream(data, lookups).read_all()
    table = apply_to_stream(pa.Table.from_batches([data]), lookups).read_all()
    return pa.record_batch([c.combine_chunks() for c in table.columns], schema=table.schema)


def apply_to_lazy_frame(frame: pl.LazyFrame, lookups: Sequence[Lookup], tables: Sequence[pa.Table]) -> pl.LazyFrame:
    """A lazy Polars frame with each lookup as a left join of its reference table (``tables``, in order) on the
    keys the engine normalises."""
    import polars as pl

    names = frame.collect_schema().names()
    order = output_schema(pa.schema([(name, pa.null()) for name in names]), lookups).names  # checks the names
    for n, (lookup, table) in enumerate(zip(lookups, tables, strict=True)):
        key = f"__arrow_sus_key_{n}"

        def normalize(series: pl.Series, lookup: Lookup = lookup) -> pl.Series:
            stream = pa.table({"code": series.to_arrow()}).__arrow_c_stream__()
            keys = pa.RecordBatchReader._import_from_c_capsule(lookup.normalize(stream)).read_all()
            return pl.Series(series.name, keys.column(0).combine_chunks(), dtype=pl.String)

        right = pl.DataFrame(table.select(lookup.columns)).rename(dict(zip(lookup.columns, lookup.names, strict=True)))
        right = right.with_columns(normalize(pl.Series(table.column(lookup.key))).alias(key))
        right = right.unique(subset=key, keep="first", maintain_order=True)
        code = pl.col(lookup.code_column).map_batches(normalize, return_dtype=pl.String)
        frame = frame.with_columns(code.alias(key)).join(right.lazy(), on=key, how="left", maintain_order="left")
        frame = frame.drop(key)
    return frame.select(order)


__all__ = ["Lookup", "apply_to_lazy_frame", "apply_to_stream", "apply_to_table", "make_lookup", "output_schema"]
