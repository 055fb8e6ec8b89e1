"""``arrow-sus get``: the main job, a dataset over states and periods into a file (``arrow-sus sql`` is in
:mod:`arrow_sus.cli.sql`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.table import Table

from arrow_sus._format import human_bytes
from arrow_sus._options import READ_DEFAULTS, SCAN_DEFAULTS
from arrow_sus._output_target import OutputRules, check_target, is_stdout, names_directory, output_format
from arrow_sus._writers import tree_size, write_partitioned, write_stream
from arrow_sus.cli._app import app, console, err_console, fail, reported_warnings
from arrow_sus.cli._options import (
    CodesAsOption,
    ColumnsOption,
    ConnectTimeoutOption,
    JsonOption,
    LabelLanguageOption,
    LabelsOption,
    MonthOption,
    OnTruncatedOption,
    OverwriteOption,
    QuietOption,
    SourceOption,
    TimeoutOption,
    TypedOption,
    UfOption,
    WhereOption,
    YearOption,
    labels_argument,
    split_columns,
)
from arrow_sus.cli._output import print_json, scan_progress
from arrow_sus.errors import ArrowSusError, InvalidArgumentError
from arrow_sus.filters import parse_where
from arrow_sus.reference.lookups import lookup as arrow_sus_lookup
from arrow_sus.scan import SOURCE_COLUMNS, Scan, scan

LookupOption = Annotated[
    list[str] | None,
    typer.Option(
        "--lookup",
        "-L",
        metavar="COLUMN=TABLE[:COLS]",
        help="Add a reference table's columns beside a code column, e.g. CAUSABAS=aux-cid10:chapter,description "
        "or CODMUNRES=municipality (default columns: the table's lookup columns; tables: the aux-* datasets, "
        "docs/reference.md). Codes are normalised (6/7-digit municipalities, numbers or text); "
        "unknown codes get empty values. Repeatable.",
    ),
]
RefreshOption = Annotated[
    bool,
    typer.Option(
        "--refresh",
        help="Reference tables (an aux-* dataset, --lookup tables) from the server's current TAB archives "
        "(through the cache) instead of the compiled-in copies.",
    ),
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Neither use nor fill the disk cache.")]
CacheFormatOption = Annotated[
    str | None,
    typer.Option(
        "--cache-format",
        help="How conversions are cached: ipc-uncompressed (fastest to read back, ~10x the .dbc on disk), ipc "
        "(Arrow IPC with LZ4: fast to read back, 3-8x the .dbc) or parquet (~0.5x the .dbc, slower to read "
        "back). Default $ARROW_SUS_CACHE_FORMAT, else ipc-uncompressed.",
    ),
]

#: Formats `get` and `sql` write to a file (`convert` also writes .dbf).
TABLE_FORMATS = ("parquet", "arrow", "csv", "jsonl")
#: What a directory output is partitioned by unless --partition-by says otherwise.
DEFAULT_PARTITIONS = ("uf", "year", "month")


def _consume(s: Scan, write: Any, quiet: bool) -> None:
    """Runs the scan into ``write(reader)`` while a progress bar follows files, rows and bytes fetched."""
    with scan_progress(quiet) as progress:
        task = progress.add_task(s.dataset, total=len(s), rows=0, fetched="0 B")
        reader = s.to_reader()

        def tracked() -> Iterator[pa.RecordBatch]:
            for batch in reader:
                stats = s.stats
                progress.update(
                    task,
                    completed=stats.files_done,
                    rows=stats.rows,
                    fetched=human_bytes(stats.bytes_downloaded),
                )
                yield batch
            progress.update(task, completed=len(s))

        write(pa.RecordBatchReader.from_batches(reader.schema, tracked()))


def _summary(s: Scan, output: str, rows: int, columns: int, seconds: float, as_json: bool, quiet: bool) -> None:
    stats = s.stats
    to_stdout = is_stdout(output)
    written = None if to_stdout else tree_size(Path(output))
    summary = {
        "dataset": s.dataset,
        "output": output,
        "files": len(s),
        "files_from_cache": stats.files_from_cache,
        "rows": rows,
        "columns": columns,
        "bytes_downloaded": stats.bytes_downloaded,
        "bytes_written": written,
        "seconds": round(seconds, 3),
        "stats": stats.as_dict(),  # every counter of the pass (see arrow_sus.ScanStats)
    }
    if as_json:
        print_json(summary, stderr=to_stdout)  # stdout carries the data itself with -o -
        return
    if quiet:
        return
    table = Table(title=f"arrow-sus get {s.dataset}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_row("files", f"{summary['files']} ({summary['files_from_cache']} from cache)")
    table.add_row("rows", f"{rows:,}")
    table.add_row("columns", str(columns))
    converted = f"{stats.columns_converted} converted"
    if stats.columns_read_from_cache:
        converted += f", {stats.columns_read_from_cache} read from cache"
    table.add_row("columns × files", converted)
    table.add_row(
        "records", f"{stats.records_scanned:,} scanned, {stats.rows_filtered_out:,} filtered out at the source"
    )
    table.add_row("read", human_bytes(stats.bytes_read))
    table.add_row("downloaded", human_bytes(stats.bytes_downloaded))
    if written is not None:
        table.add_row("written", f"{human_bytes(written)} → {output}")
    table.add_row("seconds", f"{seconds:.2f}")
    (err_console if to_stdout else console).print(table)


def _lookup_arguments(specs: list[str]) -> list[tuple[str, str, list[str] | None]]:
    """``COLUMN=TABLE[:COL1,COL2]`` options as (code column, reference table, columns or None)."""
    parsed = []
    for spec in specs:
        column, equals, rest = spec.partition("=")
        table, _, wanted = rest.partition(":")
        columns = [c.strip() for c in wanted.split(",") if c.strip()] or None
        if not equals or not column.strip() or not table.strip():
            raise InvalidArgumentError(
                f"--lookup {spec!r}: expected COLUMN=TABLE[:COLS], e.g. CAUSABAS=aux-cid10:chapter"
            )
        parsed.append((column.strip(), table.strip(), columns))
    return parsed


def _partitions(output: str, partition_by: str | None) -> list[str] | None:
    """The columns a directory output is partitioned by, or ``None`` for a single file."""
    if partition_by is not None:
        columns = [c.strip() for c in partition_by.split(",") if c.strip()]
        if not columns:
            raise InvalidArgumentError("--partition-by names no column: give e.g. --partition-by uf,year")
        return columns
    return list(DEFAULT_PARTITIONS) if names_directory(output) and not is_stdout(output) else None


@app.command()
def get(
    dataset: Annotated[str, typer.Argument(help="Dataset id, e.g. sih-rd (see arrow-sus datasets).")],
    output: Annotated[
        str,
        typer.Option(
            "-o",
            "--output",
            help="A .parquet, .arrow, .csv or .jsonl file; - for standard output (csv, jsonl or arrow); or a "
            "directory (a name ending in /, or --partition-by) of Parquet files partitioned by uf/year/month.",
        ),
    ],
    uf: UfOption = None,
    year: YearOption = None,
    month: MonthOption = None,
    columns: ColumnsOption = None,
    where: WhereOption = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="parquet, arrow, csv or jsonl (default: from the name).")
    ] = None,
    partition_by: Annotated[
        str | None,
        typer.Option(
            "--partition-by",
            help="Write a directory partitioned by these columns, e.g. uf,year (default uf,year,month).",
        ),
    ] = None,
    overwrite: OverwriteOption = False,
    source: SourceOption = None,
    no_cache: NoCacheOption = False,
    cache_format: CacheFormatOption = None,
    schema: Annotated[
        str, typer.Option(help="union, intersection or strict (files whose layouts differ).")
    ] = SCAN_DEFAULTS.schema,
    typed: TypedOption = True,
    labels: LabelsOption = "codes",
    label_language: LabelLanguageOption = "pt",
    codes_as: CodesAsOption = "dictionary",
    on_truncated: OnTruncatedOption = READ_DEFAULTS.on_truncated,
    connect_timeout: ConnectTimeoutOption = None,
    timeout: TimeoutOption = None,
    lookup: LookupOption = None,
    refresh: RefreshOption = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Read a dataset over states and periods into one file (or a partitioned directory), streaming."""
    started = time.perf_counter()
    try:
        partitions = _partitions(output, partition_by)
        if partitions is not None and fmt not in (None, "parquet"):
            raise InvalidArgumentError(f"a partitioned directory holds Parquet files, not {fmt}")
        file_format = None if partitions is not None else output_format(output, fmt, TABLE_FORMATS)
        s = scan(
            dataset,
            uf,
            year,
            month,
            columns=split_columns(columns),
            filters=parse_where(where) if where else None,
            source=source,
            cache=not no_cache,
            cache_format=cache_format,  # type: ignore[arg-type]
            schema=schema,  # type: ignore[arg-type]
            with_source=partitions is not None and any(c in SOURCE_COLUMNS for c in partitions),
            typed=typed,
            labels=labels_argument(labels),  # type: ignore[arg-type]
            label_language=label_language,  # type: ignore[arg-type]
            codes_as=codes_as,  # type: ignore[arg-type]
            on_truncated=on_truncated,  # type: ignore[arg-type]
            connect_timeout=connect_timeout,
            timeout=timeout,
            refresh=refresh,
        )
        for column, table, wanted in _lookup_arguments(lookup or []):
            s = arrow_sus_lookup(s, column, table, wanted, refresh=refresh, source=source)
        rules = OutputRules(overwrite=overwrite, inputs=s.local_inputs())
        if not is_stdout(output):  # refused before any file is read
            check_target(Path(output), directory=partitions is not None, rules=rules)
        result: dict[str, int] = {}

        def write(reader: pa.RecordBatchReader) -> None:
            result["columns"] = len(reader.schema)
            if partitions is not None:
                result["rows"] = write_partitioned(reader, Path(output), partitions, rules=rules)
                return
            assert file_format is not None
            result["rows"] = write_stream(reader, reader.schema, output, file_format, rules=rules)

        with reported_warnings():
            _consume(s, write, quiet or as_json)
    except ArrowSusError as error:
        raise fail(error) from error
    _summary(s, output, result["rows"], result["columns"], time.perf_counter() - started, as_json, quiet)
