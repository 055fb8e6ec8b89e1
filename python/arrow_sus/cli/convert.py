"""``arrow-sus convert IN... -o OUT``: .dbc / .dbf files to Parquet, Arrow IPC, CSV or DBF, streaming.

Batches go from the reader straight to the writer, so memory stays proportional to ``--batch-size``. Each
output is written under a temporary name in its directory and renamed when complete: an interrupted
conversion leaves no partial file behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from arrow_sus._writers import FORMATS, FileSink
from arrow_sus.cli._app import app, err_console, fail
from arrow_sus.errors import ArrowSusError, InvalidArgumentError
from arrow_sus.filters import Expr, parse_where
from arrow_sus.reader import open_dbc, open_dbf, reader_header, reader_stats


def _open(path: Path, columns: list[str] | None, where: Expr | None, fmt: str, batch_size: int, encoding: str):
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
        raise InvalidArgumentError(f"unknown format {fmt!r} (expected {', '.join(sorted(set(FORMATS.values())))})")
    expr = parse_where(where) if where else None
    plan, fmt = _plan(inputs, output, fmt)
    written: list[Path] = []
    for sources, target in plan:
        readers = [(p, _open(p, columns, expr, fmt, batch_size, encoding)) for p in sources]
        total = sum(reader_header(r)["record_count"] for _, r in readers)
        task = progress.add_task(target.name, total=total or None) if progress else None
        sink = FileSink(target, fmt, readers[0][1].schema)
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
    inputs: Annotated[list[Path], typer.Argument(help="Input .dbc / .dbf files.", exists=True, dir_okay=False)],
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
    batch_size: Annotated[int, typer.Option("--batch-size", help="Records per batch (memory follows).")] = 65536,
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
