"""Writing streams of batches to files without holding them in memory.

Every output is written under a temporary name beside its target and renamed into place only when
complete: an interrupted or failed run leaves no partial file, and an existing target is untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from arrow_sus.dbf_writer import DbfWriter
from arrow_sus.errors import InvalidArgumentError

#: Output formats by file suffix.
FORMATS = {
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".ipc": "arrow",
    ".feather": "arrow",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".dbf": "dbf",
}


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


class _ParquetRowGroups:
    """Parquet with full row groups: batches are gathered until a row group's worth (or its byte budget).

    ``pyarrow.parquet.ParquetWriter.write_batch`` closes a row group per call, and the readers hand out
    batches of a few thousand rows (one block of raw records each): written as they come, a file would
    hold hundreds of small row groups, which compress worse and cost every reader a footer entry and
    a seek per column chunk."""

    #: Rows per row group (as the converted cache writes), and the memory the gathered batches may hold.
    ROWS = 256 * 1024
    BYTES = 128 * 2**20

    def __init__(self, path: str, schema: pa.Schema, compression: str) -> None:
        self._writer = pq.ParquetWriter(path, schema, compression=compression)
        self._schema = schema
        self._pending: list[pa.RecordBatch] = []
        self._rows = 0
        self._bytes = 0

    def write_batch(self, batch: pa.RecordBatch) -> None:
        self._pending.append(batch)
        self._rows += batch.num_rows
        self._bytes += batch.nbytes
        if self._rows >= self.ROWS or self._bytes >= self.BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.Table.from_batches(self._pending, self._schema), row_group_size=self.ROWS)
        self._pending, self._rows, self._bytes = [], 0, 0

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()

    def discard(self) -> None:
        """Closes without writing the gathered batches (the file is being dropped)."""
        self._pending, self._rows, self._bytes = [], 0, 0
        self._writer.close()


class FileSink:
    """One output file in ``fmt``: a writer over a temporary file, renamed into place by :meth:`commit`."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema, *, compression: str | None = None) -> None:
        self.path = path
        self.fmt = fmt
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self._file: BinaryIO | None = None
        self._writer: Any
        if fmt == "parquet":
            self._writer = _ParquetRowGroups(str(self.tmp), schema, compression or "zstd")
        elif fmt == "arrow":
            self._writer = pa.ipc.new_file(str(self.tmp), schema)
        elif fmt == "csv":
            self._writer = pacsv.CSVWriter(str(self.tmp), schema)
        elif fmt == "jsonl":
            self._file = open(self.tmp, "wb")
            self._writer = _JsonLinesWriter(self._file)
        elif fmt == "dbf":
            self._file = open(self.tmp, "wb")
            self._writer = DbfWriter(self._file, schema)
        else:
            self.tmp.unlink(missing_ok=True)
            raise InvalidArgumentError(f"unknown format {fmt!r} (expected {', '.join(sorted(set(FORMATS.values())))})")
        self.schema = schema
        self.rows = 0

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
        """Closes the file and moves it onto the target name."""
        self._writer.close()
        if self._file is not None:
            self._file.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Drops the temporary file (the target, if any, is untouched)."""
        with contextlib.suppress(Exception):
            if isinstance(self._writer, _ParquetRowGroups):
                self._writer.discard()  # no point encoding what is about to be deleted
            else:
                self._writer.close()
        if self._file is not None:
            self._file.close()
        self.tmp.unlink(missing_ok=True)


def write_stream(batches: Iterable[pa.RecordBatch], schema: pa.Schema, path: Path, fmt: str, **kw: Any) -> int:
    """Writes every batch to ``path`` in ``fmt`` atomically; returns the number of rows."""
    sink = FileSink(path, fmt, schema, **kw)
    try:
        for batch in batches:
            sink.write(batch)
        sink.commit()
    except BaseException:
        sink.abort()
        raise
    return sink.rows


def write_partitioned(
    reader: pa.RecordBatchReader, path: Path, partition_by: Sequence[str], compression: str = "zstd"
) -> int:
    """Writes a hive-partitioned Parquet directory (``uf=SP/year=2023/...``) atomically; returns rows.

    The directory is built under a temporary name beside ``path`` and renamed onto it when complete."""
    missing = [c for c in partition_by if c not in reader.schema.names]
    if missing:
        raise InvalidArgumentError(f"cannot partition by {', '.join(missing)}: not among the columns")
    path.parent.mkdir(parents=True, exist_ok=True)
    temp_dir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    rows = 0

    def counted() -> Iterable[pa.RecordBatch]:
        nonlocal rows
        for batch in reader:
            rows += batch.num_rows
            yield batch

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
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        temp_dir.rename(path)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise
    return rows


def tree_size(path: Path) -> int:
    """Bytes of a file, or of every file under a directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
