"""``arrow-sus check ID``: the quality report of a dataset's files (``arrow_sus.check``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from arrow_sus._format import human_bytes
from arrow_sus._output_target import OutputRules, check_target
from arrow_sus.cli._app import app, console, fail, reported_warnings
from arrow_sus.cli._options import (
    ColumnsOption,
    JsonOption,
    MonthOption,
    OverwriteOption,
    SourceOption,
    UfOption,
    WhereOption,
    YearOption,
    split_columns,
)
from arrow_sus.cli._output import print_json, scan_progress
from arrow_sus.errors import ArrowSusError
from arrow_sus.filters import parse_where
from arrow_sus.quality import CheckProgress, check
from arrow_sus.scan import scan

QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
HtmlOption = Annotated[
    Path | None,
    typer.Option(
        "--html",
        help="Also write the report as one self-contained HTML page with charts (records per period, null and "
        "unmapped-code rates, values of coded columns) to this file.",
    ),
]


@app.command("check")
def check_command(
    dataset: Annotated[str, typer.Argument(help="Dataset id, e.g. sim-do.")],
    uf: UfOption = None,
    year: YearOption = None,
    month: MonthOption = None,
    columns: ColumnsOption = None,
    where: WhereOption = None,
    source: SourceOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    html: HtmlOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Check a dataset's data, per column: nulls, unmapped codes, invalid dates, out-of-range values, mixed
    code systems (CID-9 codes in a CID-10 column)."""
    try:
        if html is not None:  # before anything is read: a target that may not be written fails at once
            check_target(html, directory=False, rules=OutputRules(overwrite=overwrite))
        s = scan(
            dataset,
            uf=uf,
            year=year,
            month=month,
            columns=split_columns(columns),
            filters=parse_where(where) if where else None,
            source=source,
        )
        with scan_progress(quiet or as_json, rows="rows checked") as progress, reported_warnings():
            task = progress.add_task(f"check {s.dataset}", total=len(s), rows=0, fetched="0 B")

            def advance(done: CheckProgress) -> None:
                fetched = human_bytes(done.bytes_downloaded)
                progress.update(task, completed=done.files_done, rows=done.rows, fetched=fetched)

            report = check(s, progress=advance)
        if html is not None:
            report.write_html(html, overwrite=overwrite)
    except ArrowSusError as error:
        raise fail(error) from error
    if as_json:
        print_json(report.to_dict())
        return
    console.print(report)
