"""``arrow-sus convert IN... -o OUT``: .dbc / .dbf files to Parquet, Arrow IPC, CSV or DBF, streaming.

Batches go from the reader straight to the writer, so memory stays proportional to ``--batch-size``. Each
output is written under a temporary name in its directory and moved into place when complete (an interrupted
conversion leaves no partial file behind), under the output rule of :mod:`arrow_sus._output_target`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from arrow_sus._options import READ_DEFAULTS
from arrow_sus._output_target import (
    SUFFIXES,
    OutputRules,
    check_format,
    check_target,
    is_stdout,
    names_directory,
    output_format,
)
from arrow_sus._writers import FileSink
from arrow_sus.cli._app import app, err_console, fail, reported_warnings
from arrow_sus.cli._options import (
    CodesAsOption,
    ColumnsOption,
    JsonOption,
    LabelLanguageOption,
    LabelsOption,
    OnTruncatedOption,
    OverwriteOption,
    TypedOption,
    WhereOption,
    labels_argument,
    split_columns,
)
from arrow_sus.cli._output import print_json
from arrow_sus.errors import ArrowSusError, InvalidArgumentError
from arrow_sus.filters import parse_where
from arrow_sus.reader import open_dbc, open_dbf, reader_header, reader_stats


def _open(path: Path, fmt: str, where: pc.Expression | None, read_options: dict[str, Any]) -> pa.RecordBatchReader:
    opener = open_dbc if path.suffix.lower() == ".dbc" else open_dbf
    # DBF output writes the fields back byte for byte: read them as their Latin-1 text.
    if fmt == "dbf":
        read_options = {**read_options, "raw": True, "encoding": "latin-1"}
    return opener(path, filters=where, **read_options)


#: Everything convert writes: the table formats, and DBF (the fields written back byte for byte).
CONVERT_FORMATS = ("parquet", "arrow", "csv", "jsonl", "dbf")


def _plan(inputs: list[Path], output: str, fmt: str | None) -> tuple[list[tuple[list[Path], str]], str]:
    """Which inputs go to which output, and the format: one file (the inputs concatenated, in order), or one
    file per input inside a directory (``output`` ends with / or is an existing directory). Two inputs that
    would write the same file are an error, never a silent overwrite of the first."""
    if not names_directory(output):
        return [(inputs, output)], output_format(output, fmt, CONVERT_FORMATS)
    fmt = check_format(fmt or "parquet", CONVERT_FORMATS)
    directory = Path(output)
    plan: dict[Path, Path] = {}
    for p in inputs:
        target = directory / (p.stem + SUFFIXES[fmt])
        if target in plan:
            raise InvalidArgumentError(
                f"{plan[target]} and {p} would both be written to {target}: convert them into separate "
                "directories, or into one file"
            )
        plan[target] = p
    return [([p], str(target)) for target, p in plan.items()], fmt


def _batches(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


def convert_files(
    inputs: list[Path],
    output: str,
    *,
    fmt: str | None = None,
    columns: list[str] | None = None,
    where: str | None = None,
    batch_size: int = READ_DEFAULTS.batch_size,
    encoding: str = READ_DEFAULTS.encoding,
    overwrite: bool = False,
    progress: Progress | None = None,
    **meaning: Any,
) -> list[str]:
    """Converts ``inputs`` into ``output`` (a file whose suffix names the format, ``-`` for standard output, or
    a directory, named with a trailing / or existing, receiving one file per input in ``fmt``); returns the
    outputs written. Filters use the ``--where`` language of :func:`arrow_sus.filters.parse_where`. Outputs
    follow the rule of :mod:`arrow_sus._output_target`: no input is ever written over, and an existing
    output arrow-sus did not write is replaced only with ``overwrite``. ``meaning`` holds the readers' ``typed``,
    ``labels``, ``label_language``, ``codes_as`` and ``on_truncated`` (see :func:`arrow_sus.read_dbc`)."""
    expr = parse_where(where) if where else None
    plan, fmt = _plan(inputs, output, fmt)
    rules = OutputRules(overwrite=overwrite, inputs=tuple(inputs))
    for _, target in plan:  # every target is checked before the first is written
        if not is_stdout(target):
            check_target(Path(target), directory=False, rules=rules)
    written: list[str] = []
    for sources, target in plan:
        read_options = {"columns": columns, "batch_size": batch_size, "encoding": encoding, **meaning}
        readers = [(p, _open(p, fmt, expr, read_options)) for p in sources]
        total = sum(reader_header(r)["record_count"] for _, r in readers)
        task = progress.add_task(Path(target).name, total=total or None) if progress else None
        sink = FileSink(target, fmt, readers[0][1].schema, rules=rules)
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
        str,
        typer.Option(
            "-o",
            "--output",
            help="Output file (.parquet, .arrow, .csv, .jsonl, .dbf), - for standard output (csv, jsonl or "
            "arrow), or a directory (a name ending in /, or an existing one) receiving one file per input.",
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="parquet, arrow, csv, jsonl or dbf (default: from the name; parquet for a directory).",
        ),
    ] = None,
    columns: ColumnsOption = None,
    where: WhereOption = None,
    overwrite: OverwriteOption = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Records per batch (memory follows).")
    ] = READ_DEFAULTS.batch_size,
    encoding: Annotated[
        str, typer.Option("--encoding", help="Text: latin-1, cp850 or utf-8.")
    ] = READ_DEFAULTS.encoding,
    typed: TypedOption = True,
    labels: LabelsOption = "codes",
    label_language: LabelLanguageOption = "pt",
    codes_as: CodesAsOption = "dictionary",
    on_truncated: OnTruncatedOption = READ_DEFAULTS.on_truncated,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Convert .dbc / .dbf files to Parquet, Arrow IPC, CSV or DBF, streaming (bounded memory)."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet or as_json,
        transient=False,
    )
    try:
        with progress, reported_warnings():
            written = convert_files(
                list(inputs),
                output,
                fmt=fmt,
                columns=split_columns(columns),
                where=where,
                batch_size=batch_size,
                encoding=encoding,
                overwrite=overwrite,
                progress=progress,
                typed=typed,
                labels=labels_argument(labels),
                label_language=label_language,
                codes_as=codes_as,
                on_truncated=on_truncated,
            )
    except ArrowSusError as error:
        raise fail(error) from error
    if as_json:
        print_json({"outputs": written}, stderr=is_stdout(output))
    elif not quiet and not is_stdout(output):
        for path in written:
            err_console.print(f"wrote {path}")
