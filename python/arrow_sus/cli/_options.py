"""Options several commands share, declared once so that their names, types and help agree."""

from __future__ import annotations

from typing import Annotated

import typer

from arrow_sus._options import SOURCE_DEFAULTS
from arrow_sus.errors import InvalidArgumentError

SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="ftp://, http(s)://, s3:// or file:// mirror; default $ARROW_SUS_SOURCE or DATASUS."),
]
UfOption = Annotated[str | None, typer.Option("--uf", help="States: SP, or SP,RJ; default all.")]
YearOption = Annotated[str | None, typer.Option("--year", help="Years: 2023, 2019-2023 or 2019,2021.")]
MonthOption = Annotated[str | None, typer.Option("--month", help="Months: 1, 1-6 or 1,3,5; default all.")]
ColumnsOption = Annotated[str | None, typer.Option("--columns", "-c", help="Comma-separated columns, in order.")]
WhereOption = Annotated[
    str | None, typer.Option("--where", "-w", help="Row filter, e.g. \"SEXO = '3' and IDADE_ANOS >= 60\".")
]
ConnectTimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--connect-timeout",
        help="Seconds to wait for a server to accept the connection and greet "
        f"(default {SOURCE_DEFAULTS.connect_timeout:g}); each retry waits again.",
    ),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        help="Seconds a server may go silent (no reply, no data) before the request is dropped and retried "
        f"(default {SOURCE_DEFAULTS.timeout:g}).",
    ),
]
LabelsOption = Annotated[
    str,
    typer.Option(
        "--labels",
        help="Coded columns as their codes (codes), their labels (labels) or both, with COL_label beside "
        "each coded column (both).",
    ),
]
LabelLanguageOption = Annotated[
    str, typer.Option("--label-language", help="Labels in Portuguese (pt, as the official documents) or English (en).")
]
CodesAsOption = Annotated[
    str,
    typer.Option("--codes-as", help="Coded columns as dictionary (categorical) columns, or as plain string columns."),
]
TypedOption = Annotated[
    bool,
    typer.Option(
        "--typed/--no-typed",
        help="Types from the data dictionary: dates and numbers stored as text, decoded ages (IDADE_ANOS).",
    ),
]
OnTruncatedOption = Annotated[
    str,
    typer.Option(
        "--on-truncated",
        help="A file whose data ends before the records its header declares: raise (an error) or warn (read "
        "what is there, with a warning).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object (for scripts) instead of tables.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")]
OverwriteOption = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="Replace an existing output that arrow-sus did not write (never a device, an input, the current "
        "directory or a directory with other files).",
    ),
]


def split_columns(text: str | None) -> list[str] | None:
    """The columns of ``--columns A,B`` in order (``None`` when the option is left out); naming none is an
    error rather than an empty table."""
    if text is None:
        return None
    columns = [c.strip() for c in text.split(",") if c.strip()]
    if not columns:
        raise InvalidArgumentError("--columns names no column: give e.g. --columns SEXO,IDADE, or leave it out for all")
    return columns


def labels_argument(labels: str) -> bool | str:
    """The ``labels=`` argument of the readers for ``--labels codes|labels|both``."""
    choices: dict[str, bool | str] = {"codes": False, "labels": True, "both": "both"}
    if labels not in choices:
        raise InvalidArgumentError(f"--labels must be codes, labels or both, not {labels!r}")
    return choices[labels]
