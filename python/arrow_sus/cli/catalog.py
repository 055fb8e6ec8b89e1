"""``arrow-sus datasets`` and ``arrow-sus describe ID``: the compiled-in catalog on the command line."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from arrow_sus.catalog import datasets, describe
from arrow_sus.cli._app import app, console, fail
from arrow_sus.cli._options import JsonOption
from arrow_sus.cli._output import print_json
from arrow_sus.errors import ArrowSusError


def _period_range(first: str | None, last: str | None) -> str:
    if first is None:
        return "-"
    return f"{first}..{last or 'now'}"


@app.command("datasets")
def datasets_command(
    system: Annotated[str | None, typer.Option(help="Only datasets of this system (SIH, SIM, SINAN...).")] = None,
    as_json: JsonOption = False,
) -> None:
    """List every DATASUS dataset the catalog knows, with its periods."""
    rows: list[dict[str, Any]] = datasets().to_pylist()
    if system:
        rows = [r for r in rows if r["system"].lower() == system.lower()]
    if as_json:
        print_json({"datasets": rows})
        return
    table = Table(title=f"DATASUS datasets ({len(rows)})")
    for column in ("id", "name", "periodicity", "coverage", "periods", "type"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["id"],
            r["name_en"],
            r["periodicity"],
            r["coverage"],
            _period_range(r["first_period"], r["last_period"]),
            r["file_type"],
        )
    console.print(table)


@app.command("describe")
def describe_command(
    dataset: Annotated[str, typer.Argument(help="Dataset id, e.g. sih-rd.")],
    year: Annotated[int | None, typer.Option(help="Year of the field list (default: every period).")] = None,
    month: Annotated[int | None, typer.Option(help="Month, for monthly datasets.")] = None,
    source: Annotated[
        str | None, typer.Option(help="Server or mirror to read the field list from, when none is compiled in.")
    ] = None,
    language: Annotated[str, typer.Option(help="Language of meanings and names: pt or en.")] = "pt",
    as_json: JsonOption = False,
) -> None:
    """Print the data dictionary of a dataset: columns, DBF and Arrow types, kind, meaning, code lists, units,
    date formats, periods and sources; and the years it has."""
    try:
        dictionary = describe(dataset, year=year, month=month, source=source, language=language)
    except ArrowSusError as error:
        raise fail(error) from error
    if as_json:
        print_json(dictionary.to_dict())
        return
    console.print(dictionary)
