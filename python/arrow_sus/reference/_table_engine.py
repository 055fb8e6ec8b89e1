"""The engine of a scan over a table already in memory (``arrow_sus.scan("aux-cid10")``: a reference table), and
the stream of one of its passes.

It answers the calls a scan makes on the native engine (schema, files, counters, a new stream per pass), so
everything a scan offers works on a table: ``to_arrow``, ``stream``, Polars (``lazy()`` pushes projection and
filters down), DuckDB, pandas, Parquet, ``stats``. Filters run in the engine with the scan's own semantics
(``_core.reference.filter_table``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from arrow_sus._native import _core
from arrow_sus.errors import InvalidArgumentError
from arrow_sus.filters import serialize
from arrow_sus.scan_stats import ScanStats


class Pass:
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


class TableEngine:
    """The engine of a scan over one table in memory: projection and filter, batches of ``batch_size`` rows,
    and the scan counters of the latest pass."""

    def __init__(
        self,
        table: pa.Table,
        label: str,
        *,
        columns: Sequence[str] | None,
        filters: Any,
        batch_size: int,
        with_source: bool,
    ) -> None:
        self._table = table
        self._label = label
        self._columns = columns
        self._filters = filters
        self._batch_size = batch_size
        self._with_source = with_source
        self._counts = {"files_done": 0, "records_scanned": 0, "rows": 0, "batches": 0}
        missing = [c for c in columns or () if c not in table.column_names]
        if missing:
            raise InvalidArgumentError(
                f"no column {', '.join(missing)} in {label} (columns: {', '.join(table.column_names)})"
            )

    def _output_schema(self) -> pa.Schema:
        schema = self._table.schema
        if self._columns is not None:
            schema = pa.schema([schema.field(c) for c in self._columns], metadata=schema.metadata)
        if self._with_source:
            types = {"uf": pa.string(), "year": pa.int32(), "month": pa.int32(), "file": pa.string()}
            added = [pa.field(c, types[c]) for c in _core.SOURCE_COLUMNS]
            schema = pa.schema([*schema, *added], metadata=schema.metadata)
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
            if self._with_source:
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

    def execute(self) -> Pass:
        batches = self._table.to_batches(self._batch_size)
        source = pa.RecordBatchReader.from_batches(self._table.schema, batches)
        native_filter = serialize(self._filters) if self._filters is not None else None
        capsule = _core.reference.filter_table(source.__arrow_c_stream__(), native_filter, list(self._columns or ()))
        filtered = pa.RecordBatchReader._import_from_c_capsule(capsule)
        return Pass(pa.RecordBatchReader.from_batches(self._output_schema(), self._batches(filtered)))


__all__ = ["Pass", "TableEngine"]
