"""The Typer application shared by every command module, and the exit codes the CLI uses."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

import typer
from rich.console import Console
from rich.markup import escape

from arrow_sus._messages import enter_command_line_terms, leave_command_line_terms
from arrow_sus.errors import ArrowSusError, ArrowSusWarning, InvalidArgumentError, NotFoundError

app = typer.Typer(
    name="arrow-sus",
    help="Brazilian public-health microdata (DATASUS) as typed, streaming Apache Arrow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Human-readable output goes to stdout; progress and errors to stderr so that --json stays parseable.
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # messages stay one line each, whatever the width


class ExitCode(IntEnum):
    """Exit codes of the ``arrow-sus`` command."""

    OK = 0
    ERROR = 1  # a failure inside arrow-sus (corrupt file, network...)
    USAGE = 2  # a wrong argument (Typer/Click use 2 for usage errors too)
    NOT_FOUND = 3  # a file, dataset or remote path that does not exist
    INTERRUPTED = 130


#: Set to 1 to see the Python traceback of an unexpected error instead of its one-line summary.
DEBUG_ENV = "ARROW_SUS_DEBUG"


def fail(error: ArrowSusError) -> typer.Exit:
    """Prints an arrow-sus error to stderr and returns the Exit to raise with the matching code."""
    err_console.print(f"[bold red]error:[/] {escape(str(error))}")
    if isinstance(error, NotFoundError):
        return typer.Exit(ExitCode.NOT_FOUND)
    if isinstance(error, InvalidArgumentError):
        return typer.Exit(ExitCode.USAGE)
    return typer.Exit(ExitCode.ERROR)


@contextmanager
def reported_warnings() -> Iterator[None]:
    """Runs a command's work and then prints the arrow-sus warnings it raised (files read although
    truncated, with ``--on-truncated warn``; a ``--where`` comparing coded ages) as one line each on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ArrowSusWarning)
        try:
            yield
        finally:
            for warning in caught:
                if issubclass(warning.category, ArrowSusWarning):
                    err_console.print(f"[yellow]warning:[/] {escape(str(warning.message))}")
                else:
                    warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)


def main() -> None:
    """Console-script entry point: errors end as one line on stderr and an exit code, never a traceback."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(ExitCode.INTERRUPTED)
    except ArrowSusError as error:  # raised outside a command's own handling (e.g. while printing)
        sys.exit(fail(error).exit_code)
    except Exception as error:
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        err_console.print(
            f"[bold red]error:[/] unexpected {type(error).__name__}: {escape(str(error))} (a bug in arrow-sus: "
            f"please report it; {DEBUG_ENV}=1 shows the traceback)"
        )
        sys.exit(ExitCode.ERROR)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Brazilian public-health microdata (DATASUS) as typed, streaming Apache Arrow."""
    # Messages name options as flags (--year 2023) while a command runs, Python arguments otherwise.
    token = enter_command_line_terms()
    ctx.call_on_close(lambda: leave_command_line_terms(token))
