"""Shared output helpers for CLI commands."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from arrow_sus.cli._app import err_console


def scan_progress(quiet: bool, *, rows: str = "rows") -> Progress:
    """The progress bar of a command that runs a scan: files done of all, ``rows`` counted, bytes fetched; on
    stderr (so that --json and ``-o -`` stay clean) and gone once the command prints its result. A task needs
    the fields ``rows`` and ``fetched``."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(f"files · {{task.fields[rows]:,}} {rows} · {{task.fields[fetched]}} fetched"),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    )


def print_json(value: Any, *, stderr: bool = False) -> None:
    """Prints one JSON document (what every command prints under ``--json``): compact, UTF-8, one line, on
    stdout unless ``stderr`` (when stdout carries the data itself, as with ``-o -``)."""
    stream = sys.stderr if stderr else sys.stdout
    stream.write(json.dumps(value, default=_default, ensure_ascii=False) + "\n")
    stream.flush()


def _default(value: Any) -> Any:
    """Dates and times as ISO 8601 text; anything else JSON does not know as its text."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
