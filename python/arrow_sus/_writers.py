"""Writing streams of batches to files, directories or standard output without holding them in memory.

Every output is written under a temporary name beside its target and moved into place only when complete,
under the output rule of :mod:`arrow_sus._output_target`: an interrupted or failed run leaves no partial
file, and an existing target is replaced only when arrow-sus wrote it or the caller asked to overwrite.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from arrow_sus._native import _core
from arrow_sus._output_target import FORMATS, OutputRules, check_target, commit, is_stdout, temporary_path
from arrow_sus.dbf_writer import DbfWriter
from arrow_sus.errors import InvalidArgumentError


def _json_default(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class _JsonLinesWriter:
    """One JSON object per row (dates as ISO text, decimals as strings)."""

    def __init__(self, file: BinaryIO) -> None:
        self._file = file

    def write_batch(self, batch: pa.RecordBatch) -> None:
        for row in batch.to_pylist():
            self._file.write(json.dumps(row, default=_json_default, ensure_ascii=False).encode() + b"\n")

    def close(self) -> None:
        self._file.flush()


def _writer(fmt: str, sink: str | BinaryIO, schema: pa.Schema, compression: str | None) -> Any:
    """A writer of ``fmt`` batches into ``sink`` (a path, or an open binary file for standard output)."""
    if fmt == "parquet":  # never standard output (output_format refuses it): a path
        # The engine's writer (cache/parquet_files.h): batches are encoded as they come into row groups bounded
        # by rows and by bytes, so memory stays bounded whatever the width of a row.
        return _core.parquet_output(str(sink), schema, compression or "zstd")
    if fmt == "arrow":  # a pipe cannot seek back to a file footer: stream format there (dictionaries may change)
        # The engine's writer (cache/ipc_files.h): one dictionary per coded column for the whole file.
        return _core.ipc_output(sink, schema) if isinstance(sink, str) else pa.ipc.new_stream(sink, schema)
    if fmt == "csv":
        return pacsv.CSVWriter(sink, schema)
    if fmt in ("jsonl", "dbf"):
        assert not isinstance(sink, str)
        return _JsonLinesWriter(sink) if fmt == "jsonl" else DbfWriter(sink, schema)
    raise InvalidArgumentError(f"unknown format {fmt!r} (expected {', '.join(sorted(set(FORMATS.values())))})")


class FileSink:
    """One output in ``fmt``: a writer over a temporary file, moved onto ``path`` by :meth:`commit`; or, for
    ``path`` ``-``, a writer straight to standard output."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        fmt: str,
        schema: pa.Schema,
        *,
        rules: OutputRules | None = None,
        compression: str | None = None,
    ) -> None:
        self.fmt = fmt
        self.schema = schema
        self.rows = 0
        self.rules = rules or OutputRules()
        self._file: BinaryIO | None = None
        self.stdout = is_stdout(path)
        self.path = Path(path)
        if self.stdout:
            self._writer = _writer(fmt, sys.stdout.buffer, schema, compression)
            return
        check_target(self.path, directory=False, rules=self.rules)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temporary_path(self.path)
        if fmt in ("jsonl", "dbf"):
            self._file = open(self.tmp, "xb")
        try:
            self._writer = _writer(fmt, self._file or str(self.tmp), schema, compression)
        except BaseException:
            if self._file is not None:
                self._file.close()
            self.tmp.unlink(missing_ok=True)
            raise

    def write(self, batch: pa.RecordBatch) -> None:
        """Appends a batch; its schema must be the sink's."""
        if not batch.schema.equals(self.schema):
            raise InvalidArgumentError(
                f"the inputs do not share one schema ({self.path.name} cannot hold both); write them to a "
                "directory instead, or pick common columns"
            )
        self._writer.write_batch(batch)
        self.rows += batch.num_rows

    def commit(self) -> None:
        """Closes the output and moves it onto the target name (checked once more now)."""
        self._writer.close()
        if self._file is not None:
            self._file.close()
        if self.stdout:
            sys.stdout.buffer.flush()
            return
        commit(self.tmp, self.path, directory=False, rules=self.rules)

    def abort(self) -> None:
        """Drops the temporary file (the target, if any, is untouched)."""
        with contextlib.suppress(Exception):
            self._writer.close()
        if self._file is not None:
            self._file.close()
        if not self.stdout:
            self.tmp.unlink(missing_ok=True)


def write_stream(
    batches: Iterable[pa.RecordBatch],
    schema: pa.Schema,
    path: str | os.PathLike[str],
    fmt: str,
    *,
    rules: OutputRules | None = None,
    compression: str | None = None,
) -> int:
    """Writes every batch to ``path`` (or standard output for ``-``) in ``fmt`` atomically; returns the rows."""
    sink = FileSink(path, fmt, schema, rules=rules, compression=compression)
    try:
        for batch in batches:
            sink.write(batch)
        sink.commit()
    except BaseException:
        sink.abort()
        raise
    return sink.rows


def write_partitioned(
    reader: pa.RecordBatchReader,
    path: Path,
    partition_by: Sequence[str],
    compression: str = "zstd",
    *,
    rules: OutputRules | None = None,
) -> int:
    """Writes a hive-partitioned Parquet directory (``uf=SP/year=2023/...``) atomically; returns the rows.

    The directory is built under a temporary name beside ``path`` and moved onto it when complete; an existing
    directory stays whole until then (see :func:`arrow_sus._output_target.commit` for what may be replaced)."""
    rules = rules or OutputRules()
    missing = [c for c in partition_by if c not in reader.schema.names]
    if missing:
        raise InvalidArgumentError(f"cannot partition by {', '.join(missing)}: not among the columns")
    check_target(path, directory=True, rules=rules)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp_dir = temporary_path(path)
    temp_dir.mkdir()  # the usual permissions (umask applies), unlike mkdtemp's 0700
    rows = 0

    def counted() -> Iterable[pa.RecordBatch]:
        nonlocal rows
        for batch in reader:
            rows += batch.num_rows
            yield batch

    # pyarrow.dataset imports pandas when it is installed (~0.2 s): loaded by partitioned writes only, not by
    # every `import arrow_sus`.
    import pyarrow.dataset as ds

    try:
        ds.write_dataset(
            pa.RecordBatchReader.from_batches(reader.schema, counted()),
            temp_dir,
            format="parquet",
            partitioning=list(partition_by),
            partitioning_flavor="hive",
            file_options=ds.ParquetFileFormat().make_write_options(compression=compression),
            existing_data_behavior="overwrite_or_ignore",
        )
        commit(temp_dir, path, directory=True, rules=rules)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    return rows


def tree_size(path: Path) -> int:
    """Bytes of a file, or of every file under a directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
