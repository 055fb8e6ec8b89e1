"""A Scan as a Polars ``LazyFrame`` through Polars' IO-plugin interface.

Polars calls the source with the columns it needs, its predicate, an optional row limit and a batch size.
The columns and the translatable part of the predicate (see :mod:`arrow_sus._polars_predicate`) become the
native scan's projection and filters, so unneeded columns are never converted and most rows are dropped on
the raw bytes; the full predicate is then applied by Polars to what comes back, so the result is exact.
Stopping early (``head``, ``n_rows``) closes the native stream, which cancels the remaining work. Each
collection runs a narrowed copy of the scan; its counters become the original scan's ``stats``, which is how
the pushdown can be observed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import polars as pl
from polars.io.plugins import register_io_source

from arrow_sus._polars_predicate import polars_to_filters

if TYPE_CHECKING:
    from arrow_sus.scan import Scan


def lazy_frame(scan: Scan) -> pl.LazyFrame:
    """``scan`` as a LazyFrame with projection, predicate, ``n_rows`` and batch size pushed down."""
    full_schema = scan.schema
    polars_schema = pl.from_arrow(full_schema.empty_table()).schema  # type: ignore[union-attr]

    def source(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        needed = None
        if with_columns is not None:
            # Columns the predicate reads must be converted too, to apply it exactly below.
            needed = list(with_columns)
            if predicate is not None:
                needed += [c for c in predicate.meta.root_names() if c not in needed]
        narrowed = scan._pushdown(needed, polars_to_filters(predicate), batch_size, n_rows)
        remaining = n_rows
        for batch in narrowed.stream():
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            if predicate is not None:
                frame = frame.filter(predicate)
            if with_columns is not None:
                frame = frame.select(with_columns)
            if remaining is not None:
                frame = frame.head(remaining)
                remaining -= frame.height
            if frame.height:
                yield frame
            if remaining == 0:
                return

    return register_io_source(
        source,
        schema=polars_schema,
        explain_name="arrow_sus",
        explain_detail=f"{scan.dataset}: {len(scan)} files from {scan.source}",
    )
