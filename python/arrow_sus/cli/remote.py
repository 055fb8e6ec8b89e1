"""``arrow-sus files``, ``arrow-sus download`` and ``arrow-sus stat``: the server's files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from arrow_sus import remote
from arrow_sus._options import SOURCE_DEFAULTS
from arrow_sus.cli._app import ExitCode, app, console, err_console, fail
from arrow_sus.cli._options import (
    ConnectTimeoutOption,
    JsonOption,
    MonthOption,
    SourceOption,
    TimeoutOption,
    UfOption,
    YearOption,
)
from arrow_sus.cli._output import print_json
from arrow_sus.errors import ArrowSusError


def _file_row(f: remote.RemoteFile) -> dict[str, object]:
    return {**dataclasses.asdict(f), "mtime": f.mtime.isoformat() if f.mtime else None}


def _open_source(
    source: str | None, connect_timeout: float | None, timeout: float | None, max_connections: int = 3
) -> remote.Source:
    """The source with the command's timeouts (the defaults of :func:`arrow_sus.remote.open_source` otherwise)."""
    return remote.open_source(
        source, max_connections=max_connections, **remote.given_timeouts(connect_timeout, timeout)
    )


@app.command()
def files(
    dataset: Annotated[str, typer.Argument(help="Dataset id, e.g. sih-rd (see arrow-sus datasets)")],
    uf: UfOption = None,
    year: YearOption = None,
    month: MonthOption = None,
    source: SourceOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    timeout: TimeoutOption = None,
    as_json: JsonOption = False,
    as_jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per file, one per line.")] = False,
) -> None:
    """List a dataset's files on the server now, with sizes and modification times (UTC)."""
    try:
        src = _open_source(source, connect_timeout, timeout)
        found = remote.list_files(dataset, uf=uf, year=year, month=month, source=src)
    except ArrowSusError as err:
        raise fail(err) from err
    if as_jsonl:
        for f in found:
            typer.echo(json.dumps(_file_row(f), ensure_ascii=False))
        return
    if as_json:
        rows = [_file_row(f) for f in found]
        print_json({"dataset": dataset, "source": src.url, "files": rows, "bytes": sum(f.size for f in found)})
        return
    table = Table("path", "size", "modified (UTC)", "uf", "year", "month", "part")
    for f in found:
        table.add_row(
            f.path,
            f"{f.size:,}",
            f.mtime.strftime("%Y-%m-%d %H:%M") if f.mtime else "",
            f.uf or "",
            str(f.year or ""),
            str(f.month or ""),
            f.part or "",
        )
    console.print(table)
    err_console.print(f"{len(found)} files, {sum(f.size for f in found):,} bytes")


@app.command()
def download(
    dataset: Annotated[str | None, typer.Argument(help="Dataset id; or give --file")] = None,
    uf: UfOption = None,
    year: YearOption = None,
    month: MonthOption = None,
    file: Annotated[
        list[str] | None,
        typer.Option("--file", help="A server path relative to the source root (repeatable)"),
    ] = None,
    dest: Annotated[
        Path | None,
        typer.Option("--dest", help="Destination directory (server layout); default the cache"),
    ] = None,
    source: SourceOption = None,
    max_connections: Annotated[
        int, typer.Option(help="Simultaneous connections to the host")
    ] = SOURCE_DEFAULTS.max_connections,
    connect_timeout: ConnectTimeoutOption = None,
    timeout: TimeoutOption = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar")] = True,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="Exit 0 even when some files failed (they are listed)")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Download files (verified, resumable, skipped when already up to date) and print a summary."""
    if (dataset is None) == (not file):
        err_console.print("[bold red]error:[/] give a dataset (with --uf/--year/--month) or --file paths")
        raise typer.Exit(ExitCode.USAGE)
    try:
        src = _open_source(source, connect_timeout, timeout, max_connections=max_connections)
        summary = remote.download(
            dataset,
            uf=uf,
            year=year,
            month=month,
            files=file or None,
            dest=dest,
            source=src,
            progress=progress and not as_json,
            errors="collect",
            max_connections=max_connections,
        )
    except ArrowSusError as err:
        raise fail(err) from err
    if as_json:
        print_json(summary.as_dict())
    elif not progress:  # with progress on, download() printed it already
        err_console.print(escape(str(summary)))
    if summary.failed and not keep_going:
        raise typer.Exit(ExitCode.ERROR)


@app.command()
def stat(
    path: Annotated[str, typer.Argument(help="Server path relative to the source root")],
    source: SourceOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    timeout: TimeoutOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a remote file's identity: size, mtime, and for .dbc files record count and CRC-32."""
    try:
        ident = remote.stat(path, source=_open_source(source, connect_timeout, timeout))
    except ArrowSusError as err:
        raise fail(err) from err
    row = {**dataclasses.asdict(ident), "mtime": ident.mtime.isoformat() if ident.mtime else None}
    if as_json:
        print_json(row)
        return
    table = Table(show_header=False, title=path)
    for key, value in row.items():
        table.add_row(key, "" if value is None else f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
