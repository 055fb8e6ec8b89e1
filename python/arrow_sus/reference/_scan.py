"""Scans over tables already in memory: an auxiliary dataset (``arrow_sus.scan("aux-cid10")``) and a scan with
lookups added (``arrow_sus.lookup(scan, ...)``).

Both are :class:`arrow_sus.Scan` objects whose engine is not a pass over files but an object answering the
same calls (schema, files, counters, a new stream per pass), so everything a scan offers works on them:
``to_arrow``, ``stream``, Polars (``lazy()`` pushes projection and filters down), DuckDB, pandas, Parquet,
``stats``. A reference table's filters run in the engine with the scan's own semantics
(``_core.reference.filter_table``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from arrow_sus._native import _core
from arrow_sus.errors import InvalidArgumentError
from arrow_sus.filters import serialize
from arrow_sus.reference._lookup import Lookup, apply_to_lazy_frame, apply_to_stream, output_schema
from arrow_sus.scan import SOURCE_COLUMNS, Scan, _File, _Options
from arrow_sus.scan_stats import ScanStats

if TYPE_CHECKING:
    import polars as pl


class _Pass:
    """One pass's stream (``__arrow_c_stream__``), with the calls the scan's readers make on the engine's
    native streams."""

    def __init__(self, reader: pa.RecordBatchReader, inner: Any = None) -> None:
        self._reader = reader
        self._inner = inner

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._reader.__arrow_c_stream__(requested_schema)

    def raise_last_error(self) -> None:
        """Re-raises the typed error of the pass this one wraps (a lookup over a scan of files)."""
        if self._inner is not None:
            self._inner.raise_last_error()

    def warnings(self) -> list[str]:
        return list(self._inner.warnings()) if self._inner is not None else []


class _TableEngine:
    """The engine of a scan over one table in memory: projection and filter, batches of ``batch_size`` rows,
    and the scan counters of the latest pass."""

    def __init__(self, table: pa.Table, label: str, options: _Options) -> None:
        self._table = table
        self._label = label
        self._options = options
        self._counts = {"files_done": 0, "records_scanned": 0, "rows": 0, "batches": 0}
        missing = [c for c in options.columns or () if c not in table.column_names]
        if missing:
            raise InvalidArgumentError(
                f"no column {', '.join(missing)} in {label} (columns: {', '.join(table.column_names)})"
            )

    def _output_schema(self) -> pa.Schema:
        schema = self._table.schema
        if self._options.columns is not None:
            schema = pa.schema([schema.field(c) for c in self._options.columns], metadata=schema.metadata)
        if self._options.with_source:
            types = {"uf": pa.string(), "year": pa.int32(), "month": pa.int32(), "file": pa.string()}
            schema = pa.schema([*schema, *(pa.field(c, types[c]) for c in SOURCE_COLUMNS)], metadata=schema.metadata)
        return schema

    def schema_capsule(self) -> object:
        return self._output_schema().__arrow_c_schema__()

    def files(self) -> list[dict[str, Any]]:
        return [
            {
                "path": self._label,
                "dataset": self._table.schema.metadata.get(b"arrow_sus.reference", b"").decode()
                if self._table.schema.metadata
                else "",
                "uf": None,
                "year": None,
                "month": None,
                "size": None,
                "mtime": None,
                "records": self._table.num_rows,
                "crc32": None,
                "cached": "memory",
                "columns": self._table.num_columns,
            }
        ]

    def counters(self) -> dict[str, int]:
        counts = {name: 0 for name in ScanStats.__dataclass_fields__ if name != "files_planned"}
        counts.update(self._counts)
        counts["rows_filtered_out"] = self._counts["records_scanned"] - self._counts["rows"]
        return counts

    def unmapped_codes(self) -> dict[str, int]:
        return {}

    def _batches(self, reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
        self._counts.update(files_done=0, records_scanned=0, rows=0, batches=0)
        for batch in reader:
            if self._options.with_source:
                n = batch.num_rows
                batch = pa.RecordBatch.from_arrays(
                    [
                        *batch.columns,
                        pa.nulls(n, pa.string()),
                        pa.nulls(n, pa.int32()),
                        pa.nulls(n, pa.int32()),
                        pa.array([self._label] * n, pa.string()),
                    ],
                    schema=self._output_schema(),
                )
            self._counts["rows"] += batch.num_rows
            self._counts["batches"] += 1
            yield batch
        self._counts.update(files_done=1, records_scanned=self._table.num_rows)

    def execute(self) -> _Pass:
        o = self._options
        source = pa.RecordBatchReader.from_batches(self._table.schema, self._table.to_batches(o.batch_size))
        native_filter = serialize(o.filters) if o.filters is not None else None
        capsule = _core.reference.filter_table(source.__arrow_c_stream__(), native_filter, list(o.columns or ()))
        filtered = pa.RecordBatchReader._import_from_c_capsule(capsule)
        return _Pass(pa.RecordBatchReader.from_batches(self._output_schema(), self._batches(filtered)))


class ReferenceScan(Scan):
    """A scan of an auxiliary dataset's table (see :func:`arrow_sus.scan`)."""

    def __init__(self, dataset: str, table: pa.Table, label: str, source: str, options: _Options) -> None:
        super().__init__(dataset, [_File(label, None, None, dataset, None, None, None)], source, options)
        self._table = table
        self._label = label

    def _engine(self) -> Any:
        if self._native is None:
            self._native = _TableEngine(self._table, self._label, self._options)
        return self._native

    def _with(self, **changes: Any) -> Scan:
        if "filters" in changes:
            from arrow_sus.filters import normalize_filters

            changes["filters"] = normalize_filters(changes["filters"])
        narrowed = ReferenceScan(self.dataset, self._table, self._label, self.source, replace(self._options, **changes))
        narrowed._origin = self
        return narrowed

    def local_inputs(self) -> tuple:
        """None: the table is in memory (outputs can overwrite no input of it)."""
        return ()


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

    def execute(self) -> _Pass:
        native = self._inner.execute()
        return _Pass(apply_to_stream(native, self._lookups), native)


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

    def local_inputs(self) -> tuple:
        """The scan's inputs (see :meth:`arrow_sus.Scan.local_inputs`)."""
        return self._base.local_inputs()


__all__ = ["LookupScan", "ReferenceScan"]
