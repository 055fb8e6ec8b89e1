"""``arrow-sus labels refresh``: code lists from DATASUS's TabWin archives, compared with the compiled-in ones."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from arrow_sus import labels
from arrow_sus.cli._app import ExitCode, app, console, err_console, fail
from arrow_sus.cli._options import JsonOption, SourceOption
from arrow_sus.cli._output import print_json
from arrow_sus.errors import ArrowSusError

labels_app = typer.Typer(help="Code lists from the official TabWin files (.DEF/.CNV in the TAB_*.zip archives).")
app.add_typer(labels_app, name="labels")


@labels_app.command("refresh")
def refresh_command(
    dataset: Annotated[
        list[str] | None,
        typer.Option("--dataset", help="A dataset id, e.g. sih-rd (repeatable); default every dataset with archives."),
    ] = None,
    source: SourceOption = None,
    keep_going: Annotated[
        bool, typer.Option("--keep-going", help="Exit 0 even when some archives failed (they are listed).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Fetch the TabWin archives, rebuild the code lists, store them in the cache and compare them."""
    try:
        report = labels.refresh(source=source, datasets=dataset or None, progress=not as_json, errors="collect")
    except ArrowSusError as err:
        raise fail(err) from err
    if as_json:
        print_json(report.as_dict())
    else:
        _print_summary(report)
    if not report.ok and not keep_going:
        raise typer.Exit(ExitCode.ERROR)


def _print_summary(report: labels.RefreshReport) -> None:
    table = Table("dataset", "field", "list", *labels.STATUSES, title="TabWin lists vs compiled-in lists")
    for row in report.summary().to_pylist():
        member = row["archive"].rsplit("/", 1)[-1] + ":" + row["member"]
        table.add_row(row["dataset"], row["field"], member, *(str(row[s]) for s in labels.STATUSES))
    console.print(table)
    for outcome in report.archives:
        name = escape(outcome.path)
        if outcome.status == "ok":
            err_console.print(f"[green]ok[/] {name} -> {escape(str(outcome.stored))}")
        else:
            colour = "yellow" if outcome.status == "skipped" else "bold red"
            err_console.print(f"[{colour}]{outcome.status}[/] {name}: {escape(outcome.message or '')}")
        for problem in outcome.problems:
            err_console.print(f"  [yellow]problem[/] {escape(problem)}")
        for definition in outcome.unmatched_definitions:
            err_console.print(f"  [yellow]unmatched[/] {escape(definition)}: describes none of the datasets asked for")
