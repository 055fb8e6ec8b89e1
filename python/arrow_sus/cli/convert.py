"""``arrow-sus convert IN... -o OUT``: .dbc / .dbf files to Parquet, Arrow IPC, CSV or DBF, streaming.

Batches go from the reader straight to the writer, so memory stays proportional to ``--batch-size``. Each
output is written under a temporary name in its directory and renamed when complete: an interrupted
conversion leaves no partial file behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from arrow_sus.cli._app import app, err_console, fail
from arrow_sus.dbf_writer import DbfWriter
from arrow_sus.errors import ArrowSusError, InvalidArgumentError
from arrow_sus.filters import Expr, parse_where
from arrow_sus.reader import open_dbc, open_dbf, reader_header, reader_stats

#: Output formats by file suffix.
FORMATS = {
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".ipc": "arrow",
    ".feather": "arrow",
    ".csv": "csv",
    ".dbf": "dbf",
}


class _Sink:
    """One output file: a format writer over a temporary file, renamed into place by commit()."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema) -> None:
        self.path = path
        self.fmt = fmt
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self._file: BinaryIO | None = None
        self._writer: Any
        if fmt == "parquet":
            self._writer = pq.ParquetWriter(str(self.tmp), schema)
        elif fmt == "arrow":
            self._writer = pa.ipc.new_file(str(self.tmp), schema)
        elif fmt == "csv":
            self._writer = pacsv.CSVWriter(str(self.tmp), schema)
        else:
            self._file = open(self.tmp, "wb")
            self._writer = DbfWriter(self._file, schema)
        self.schema = schema

    def write(self, batch: pa.RecordBatch) -> None:
        if not batch.schema.equals(self.schema):
            raise InvalidArgumentError(
                f"the inputs do not share one schema ({self.path.name} cannot hold both); convert them to a "
                "directory instead, or pick common --columns"
            )
        self._writer.write_batch(batch)

    def commit(self) -> None:
        self._writer.close()
        if self._file is not None:
            self._file.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        if self._file is not None:
            self._file.close()
        self.tmp.unlink(missing_ok=True)


def _open(
    path: Path, columns: list[str] | None, where: Expr | None, fmt: str, batch_size: int, encoding: str
):
    opener = open_dbc if path.suffix.lower() == ".dbc" else open_dbf
    # DBF output writes the fields back byte for byte: read them as their Latin-1 text.
    raw = fmt == "dbf"
    return opener(
        path,
        columns=columns,
        filters=where,
        batch_size=batch_size,
        raw=raw,
        encoding="latin-1" if raw else encoding,
    )


def _plan(inputs: list[Path], output: Path, fmt: str | None) -> tuple[list[tuple[list[Path], Path]], str]:
    """Which inputs go to which output file, and the format."""
    suffix = output.suffix.lower()
    if suffix in FORMATS and not output.is_dir():
        if fmt is not None and FORMATS[suffix] != fmt:
            raise InvalidArgumentError(f"--format {fmt} does not match the output name {output.name}")
        return [(inputs, output)], FORMATS[suffix]
    fmt = fmt or "parquet"
    ext = {v: k for k, v in reversed(FORMATS.items())}[fmt]
    output.mkdir(parents=True, exist_ok=True)
    return [([p], output / (p.stem + ext)) for p in inputs], fmt


def _batches(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def convert_files(
    inputs: list[Path],
    output: Path,
    *,
    fmt: str | None = None,
    columns: list[str] | None = None,
    where: str | None = None,
    batch_size: int = 65536,
    encoding: str = "latin-1",
    progress: Progress | None = None,
) -> list[Path]:
    """Converts ``inputs`` into ``output`` (a file whose suffix names the format, or a directory receiving
    one file per input in ``fmt``); returns the files written. Filters use the ``--where`` language of
    :func:`arrow_sus.filters.parse_where`."""
    if fmt is not None and fmt not in set(FORMATS.values()):
        raise InvalidArgumentError(
            f"unknown format {fmt!r} (expected {', '.join(sorted(set(FORMATS.values())))})"
        )
    expr = parse_where(where) if where else None
    plan, fmt = _plan(inputs, output, fmt)
    written: list[Path] = []
    for sources, target in plan:
        readers = [(p, _open(p, columns, expr, fmt, batch_size, encoding)) for p in sources]
        total = sum(reader_header(r)["record_count"] for _, r in readers)
        task = progress.add_task(target.name, total=total or None) if progress else None
        sink = _Sink(target, fmt, readers[0][1].schema)
        try:
            for _, reader in readers:
                done = 0
                for batch in _batches(reader):
                    sink.write(batch)
                    if progress is not None and task is not None:
                        seen = reader_stats(reader)["records_read"]
                        progress.advance(task, seen - done)
                        done = seen
                if progress is not None and task is not None:
                    progress.advance(task, reader_stats(reader)["records_read"] - done)
            sink.commit()
        except BaseException:
            sink.abort()
            raise
        written.append(target)
    return written


@app.command()
def convert(
    inputs: Annotated[
        list[Path], typer.Argument(help="Input .dbc / .dbf files.", exists=True, dir_okay=False)
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="Output file (.parquet, .arrow, .csv, .dbf) or a directory (one file per input).",
        ),
    ],
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="parquet, arrow, csv or dbf (for a directory).")
    ] = None,
    columns: Annotated[
        str | None, typer.Option("--columns", "-c", help="Comma-separated fields to keep, in order.")
    ] = None,
    where: Annotated[
        str | None, typer.Option("--where", "-w", help="Row filter, e.g. \"SEXO = '3' and IDADE >= 60\".")
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Records per batch (memory follows).")
    ] = 65536,
    encoding: Annotated[str, typer.Option("--encoding", help="Text: latin-1, cp850 or utf-8.")] = "latin-1",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Convert .dbc / .dbf files to Parquet, Arrow IPC, CSV or DBF, streaming (bounded memory)."""
    cols = [c.strip() for c in columns.split(",") if c.strip()] if columns else None
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet,
        transient=False,
    )
    try:
        with progress:
            written = convert_files(
                list(inputs),
                output,
                fmt=fmt,
                columns=cols,
                where=where,
                batch_size=batch_size,
                encoding=encoding,
                progress=progress,
            )
    except ArrowSusError as error:
        raise fail(error) from error
    if not quiet:
        for path in written:
            err_console.print(f"wrote {path}")
