"""``arrow-sus files``, ``arrow-sus download`` and ``arrow-sus stat``: the server's files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from arrow_sus import remote
from arrow_sus.cli._app import ExitCode, app, console, err_console, fail
from arrow_sus.errors import ArrowSusError

SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="Source URL (ftp://, file://, http(s)://, s3://); default $ARROW_SUS_SOURCE or DATASUS",
    ),
]
UfOption = Annotated[list[str] | None, typer.Option("--uf", help="State (repeatable), e.g. SP")]
YearOption = Annotated[list[int] | None, typer.Option("--year", help="Year (repeatable)")]
MonthOption = Annotated[list[int] | None, typer.Option("--month", help="Month 1-12 (repeatable)")]


@app.command()
def files(
    dataset: Annotated[str, typer.Argument(help="Dataset id, e.g. sih-rd (see arrow-sus datasets)")],
    uf: UfOption = None,
    year: YearOption = None,
    month: MonthOption = None,
    source: SourceOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """List a dataset's files on the server now, with sizes and modification times (UTC)."""
    try:
        found = remote.list_files(dataset, uf=uf, year=year, month=month, source=source)
    except ArrowSusError as err:
        raise fail(err) from err
    if as_json:
        for f in found:
            row = {**f.__dict__, "mtime": f.mtime.isoformat() if f.mtime else None}
            typer.echo(json.dumps(row))
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
    max_connections: Annotated[int, typer.Option(help="Simultaneous connections to the host")] = 3,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar")] = True,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="Exit 0 even when some files failed (they are listed)")
    ] = False,
) -> None:
    """Download files (verified, resumable, skipped when already up to date) and print a summary."""
    if (dataset is None) == (not file):
        err_console.print("[bold red]error:[/] give a dataset (with --uf/--year/--month) or --file paths")
        raise typer.Exit(ExitCode.USAGE)
    try:
        summary = remote.download(
            dataset,
            uf=uf,
            year=year,
            month=month,
            files=file or None,
            dest=dest,
            source=source,
            progress=progress,
            errors="collect",
            max_connections=max_connections,
        )
    except ArrowSusError as err:
        raise fail(err) from err
    if not progress:  # with progress on, download() printed it already
        err_console.print(str(summary))
    if summary.failed and not keep_going:
        raise typer.Exit(ExitCode.ERROR)


@app.command()
def stat(
    path: Annotated[str, typer.Argument(help="Server path relative to the source root")],
    source: SourceOption = None,
) -> None:
    """Show a remote file's identity: size, mtime, and for .dbc files record count and CRC-32."""
    try:
        ident = remote.stat(path, source=source)
    except ArrowSusError as err:
        raise fail(err) from err
    console.print_json(json.dumps({**ident.__dict__, "mtime": ident.mtime.isoformat() if ident.mtime else None}))
