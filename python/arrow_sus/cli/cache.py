"""``arrow-sus cache info`` and ``arrow-sus cache clear``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from arrow_sus import cache
from arrow_sus._format import human_bytes
from arrow_sus.cli._app import app, console, fail
from arrow_sus.cli._options import JsonOption
from arrow_sus.cli._output import print_json
from arrow_sus.errors import ArrowSusError

cache_app = typer.Typer(help="Inspect or empty the disk cache (downloaded .dbc and their conversions).")
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def info_command(as_json: JsonOption = False) -> None:
    """Show where the cache is, what it holds and its hit rate."""
    try:
        info = cache.info()
    except ArrowSusError as error:
        raise fail(error) from error
    if as_json:
        print_json(
            {
                "directory": str(info.directory),
                "entries": info.entries,
                "bytes": info.bytes,
                "raw_files": info.raw_files,
                "raw_bytes": info.raw_bytes,
                "converted_entries": info.converted_entries,
                "converted_bytes": info.converted_bytes,
                "ipc_entries": info.ipc_entries,
                "ipc_bytes": info.ipc_bytes,
                "parquet_entries": info.parquet_entries,
                "parquet_bytes": info.parquet_bytes,
                "ipc_uncompressed_entries": info.ipc_uncompressed_entries,
                "ipc_uncompressed_bytes": info.ipc_uncompressed_bytes,
                "hits": info.hits,
                "misses": info.misses,
                "hit_rate": info.hit_rate,
                "temporary_files": info.temporary_files,
                "temporary_bytes": info.temporary_bytes,
            }
        )
        return
    table = Table(title=f"arrow-sus cache: {info.directory}", show_header=True)
    table.add_column("kind")
    table.add_column("entries", justify="right")
    table.add_column("size", justify="right")
    table.add_row("raw downloads", str(info.raw_files), human_bytes(info.raw_bytes))
    table.add_row("converted, Arrow IPC", str(info.ipc_entries), human_bytes(info.ipc_bytes))
    table.add_row("converted, Parquet", str(info.parquet_entries), human_bytes(info.parquet_bytes))
    table.add_row(
        "converted, Arrow IPC uncompressed",
        str(info.ipc_uncompressed_entries),
        human_bytes(info.ipc_uncompressed_bytes),
    )
    table.add_row(
        "temporary (left by interrupted writers)", str(info.temporary_files), human_bytes(info.temporary_bytes)
    )
    console.print(table)
    rate = "no lookups yet" if info.hit_rate is None else f"{info.hit_rate:.0%}"
    console.print(f"hit rate: {rate} ({info.hits} hits, {info.misses} misses)")


@cache_app.command("clear")
def clear_command(
    older_than: Annotated[str | None, typer.Option(help="Only entries unused for this long, e.g. 30d, 12h.")] = None,
    dataset: Annotated[str | None, typer.Option(help="Only this dataset's entries, e.g. sih-rd.")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="Only 'raw', 'converted', 'ipc', 'parquet' or 'ipc-uncompressed' entries, or only 'temporary' "
            "files left by interrupted writers (also removed when no kind or dataset is given)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Remove cache entries (all of them unless filtered)."""
    try:
        removed = cache.clear(older_than=older_than, dataset=dataset, kind=kind)  # type: ignore[arg-type]
    except ArrowSusError as error:
        raise fail(error) from error
    if as_json:
        print_json({"removed": removed})
    else:
        console.print(f"removed {removed} cache entr{'y' if removed == 1 else 'ies'}")
