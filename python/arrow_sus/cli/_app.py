"""The Typer application shared by every command module, and the exit codes the CLI uses."""

from __future__ import annotations

import sys
from enum import IntEnum

import typer
from rich.console import Console

from arrow_sus.errors import ArrowSusError, InvalidArgumentError, NotFoundError

app = typer.Typer(
    name="arrow-sus",
    help="Brazilian public-health microdata (DATASUS) as typed, streaming Apache Arrow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Human-readable output goes to stdout; progress and errors to stderr so that --json stays parseable.
console = Console()
err_console = Console(stderr=True)


class ExitCode(IntEnum):
    """Exit codes of the ``arrow-sus`` command."""

    OK = 0
    ERROR = 1  # a failure inside arrow-sus (corrupt file, network...)
    USAGE = 2  # a wrong argument (Typer/Click use 2 for usage errors too)
    NOT_FOUND = 3  # a file, dataset or remote path that does not exist
    INTERRUPTED = 130


def fail(error: ArrowSusError) -> typer.Exit:
    """Prints an arrow-sus error to stderr and returns the Exit to raise with the matching code."""
    err_console.print(f"[bold red]error:[/] {error}")
    if isinstance(error, NotFoundError):
        return typer.Exit(ExitCode.NOT_FOUND)
    if isinstance(error, InvalidArgumentError):
        return typer.Exit(ExitCode.USAGE)
    return typer.Exit(ExitCode.ERROR)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(ExitCode.INTERRUPTED)


@app.callback()
def _root() -> None:
    """Brazilian public-health microdata (DATASUS) as typed, streaming Apache Arrow."""
