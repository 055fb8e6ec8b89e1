"""``arrow-sus get`` (the main job: a dataset over states and periods into a file) and ``arrow-sus sql``."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from arrow_sus._format import human_bytes
from arrow_sus._writers import FORMATS, tree_size, write_partitioned, write_stream
from arrow_sus.cli._app import app, console, err_console, fail
from arrow_sus.errors import ArrowSusError, InvalidArgumentError
from arrow_sus.filters import parse_where
from arrow_sus.scan import Scan, scan

SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="ftp://, http(s)://, s3:// or file:// mirror; default $ARROW_SUS_SOURCE or DATASUS."),
]
UfOption = Annotated[str | None, typer.Option("--uf", help="States: SP, or SP,RJ; default all.")]
YearOption = Annotated[str | None, typer.Option("--year", help="Years: 2023, 2019-2023 or 2019,2021.")]
MonthOption = Annotated[str | None, typer.Option("--month", help="Months: 1, 1-6 or 1,3,5; default all.")]
ColumnsOption = Annotated[str | None, typer.Option("--columns", "-c", help="Comma-separated columns, in order.")]
WhereOption = Annotated[
    str | None, typer.Option("--where", "-w", help="Row filter, e.g. \"SEXO = '3' and IDADE >= 60\".")
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
JsonOption = Annotated[bool, typer.Option("--json", help="Print a machine-readable JSON summary.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")]


def _columns(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files · {task.fields[rows]:,} rows · {task.fields[fetched]} fetched"),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    )


def _consume(s: Scan, write: Any, quiet: bool) -> None:
    """Runs the scan into ``write(reader)`` while a progress bar follows files, rows and bytes fetched."""
    with _progress(quiet) as progress:
        task = progress.add_task(s.dataset, total=len(s), rows=0, fetched="0 B")
        reader = s.to_reader()

        def tracked():  # type: ignore[no-untyped-def]
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


def _summary(s: Scan, output: Path, rows: int, columns: int, seconds: float, as_json: bool, quiet: bool) -> None:
    stats = s.stats
    summary = {
        "dataset": s.dataset,
        "output": str(output),
        "files": len(s),
        "files_from_cache": stats.files_from_cache,
        "rows": rows,
        "columns": columns,
        "bytes_downloaded": stats.bytes_downloaded,
        "bytes_written": tree_size(output),
        "seconds": round(seconds, 3),
        "stats": stats.as_dict(),  # every counter of the pass (see arrow_sus.ScanStats)
    }
    if as_json:
        typer.echo(json.dumps(summary))
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
    table.add_row("downloaded", human_bytes(summary["bytes_downloaded"]))
    table.add_row("written", f"{human_bytes(summary['bytes_written'])} → {output}")
    table.add_row("seconds", f"{seconds:.2f}")
    console.print(table)


@app.command()
def get(
    dataset: Annotated[str, typer.Argument(help="Dataset id, e.g. sih-rd (see arrow-sus datasets).")],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="A .parquet, .csv, .arrow or .jsonl file, or a directory (Parquet partitioned by uf/year/month).",
        ),
    ],
    uf: UfOption = None,
    year: YearOption = None,
    month: MonthOption = None,
    columns: ColumnsOption = None,
    where: WhereOption = None,
    source: SourceOption = None,
    no_cache: NoCacheOption = False,
    cache_format: CacheFormatOption = None,
    schema: Annotated[str, typer.Option(help="union, intersection or strict (files whose layouts differ).")] = "union",
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Read a dataset over states and periods into one file (or a partitioned directory), streaming."""
    started = time.perf_counter()
    try:
        suffix = output.suffix.lower()
        partitioned = suffix not in FORMATS or output.is_dir()
        if not partitioned and FORMATS[suffix] == "dbf":
            raise InvalidArgumentError("get writes .parquet, .csv, .arrow or .jsonl (use convert for .dbf)")
        s = scan(
            dataset,
            uf,
            year,
            month,
            columns=_columns(columns),
            filters=parse_where(where) if where else None,
            source=source,
            cache=not no_cache,
            cache_format=cache_format,  # type: ignore[arg-type]
            schema=schema,  # type: ignore[arg-type]
            with_source=partitioned,
        )
        result: dict[str, int] = {}

        def write(reader: pa.RecordBatchReader) -> None:
            result["columns"] = len(reader.schema)
            if partitioned:
                result["rows"] = write_partitioned(reader, output, ["uf", "year", "month"])
                return
            result["rows"] = write_stream(reader, reader.schema, output, FORMATS[suffix])

        _consume(s, write, quiet or as_json)
    except ArrowSusError as error:
        raise fail(error) from error
    _summary(s, output, result["rows"], result["columns"], time.perf_counter() - started, as_json, quiet)


_TABLE_NAMES = re.compile(r"\b(?:from|join)\s+([a-z][a-z0-9_]*)", re.IGNORECASE)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="DuckDB SQL; dataset ids are tables with _ for -, e.g. sih_rd.")],
    uf: UfOption = None,
    year: YearOption = None,
    month: MonthOption = None,
    source: SourceOption = None,
    no_cache: NoCacheOption = False,
    cache_format: CacheFormatOption = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the result to a file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON rows.")] = False,
    limit: Annotated[int, typer.Option(help="Rows shown on screen (all are written with -o).")] = 50,
) -> None:
    """Run SQL (DuckDB) over scans of the datasets the query names, for the given states and periods."""
    import duckdb

    from arrow_sus.catalog import dataset_info

    try:
        con = duckdb.connect()
        names = {m.group(1).lower() for m in _TABLE_NAMES.finditer(query)}
        registered = []
        for name in sorted(names):
            dataset = name.replace("_", "-")
            try:
                dataset_info(dataset)
            except ArrowSusError:
                continue  # a table of the query itself (CTE, subquery alias), not a dataset
            s = scan(dataset, uf, year, month, source=source, cache=not no_cache, cache_format=cache_format)  # type: ignore[arg-type]
            con.register(name, s.to_reader())
            registered.append(name)
        if not registered:
            raise InvalidArgumentError(
                "the query names no dataset: use a dataset id with _ for -, e.g. SELECT count(*) FROM sih_rd"
            )
        result = con.sql(query).to_arrow_table()
    except ArrowSusError as error:
        raise fail(error) from error
    except duckdb.Error as error:
        err_console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(2) from error
    if output is not None:
        fmt = FORMATS.get(output.suffix.lower(), "parquet")
        write_stream(result.to_batches(), result.schema, output, fmt)
    if as_json:
        typer.echo(json.dumps(result.to_pylist(), default=str, ensure_ascii=False))
        return
    table = Table(*result.column_names)
    for row in result.slice(0, limit).to_pylist():
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)
    if result.num_rows > limit:
        err_console.print(f"{result.num_rows:,} rows ({limit} shown)")
