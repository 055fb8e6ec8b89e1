"""Reference pages of the documentation site generated from the code itself: the command line (from the Typer
application) and the data dictionaries (from the catalog, through ``arrow_sus.describe`` and
tools/make_catalog_doc.py). Used by tools/docs_hooks.py; each function returns Markdown."""

from __future__ import annotations

from typing import Any

import typer

from make_catalog_doc import dataset_tables

#: The datasets the dictionary pages describe field by field: the tutorials' datasets, one per system.
MAIN_DATASETS = ("sih-rd", "sia-pa", "sim-do", "sinasc-dn", "cnes-st", "sinan-zika")


def _cell(text: str | None) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return " ".join((text or "").split()).replace("|", "\\|")


# Typer ships its own copy of Click: its commands and parameters are told apart by what they have, not by class.


def _context(command: Any, name: str) -> Any:
    return command.context_class(command, info_name=name)


def _commands(group: Any, prefix: str) -> list[tuple[str, Any]]:
    """Every command under ``group``, depth first, with its full name (``arrow-sus cache clear``)."""
    out = []
    ctx = _context(group, prefix)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        full = f"{prefix} {name}"
        if hasattr(command, "list_commands"):
            out += _commands(command, full)
        else:
            out.append((full, command))
    return out


def _parameter_row(param: Any) -> str:
    if param.param_type_name == "option":
        names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
        shown = param.default not in (None, False, ()) and not callable(param.default)
        default = f" (default: `{param.default}`)" if shown else ""
        return f"| {names} | {_cell(param.help)}{_cell(default)} |"
    help_text = getattr(param, "help", None)
    return f"| `{(param.name or '').upper()}` | {_cell(help_text)} |"


def cli_reference() -> str:
    """Every ``arrow-sus`` command: its help, usage and parameters, as the command line itself reports them."""
    from arrow_sus.cli import app

    root = typer.main.get_command(app)
    parts = []
    for full, command in _commands(root, "arrow-sus"):
        ctx = _context(command, full)
        parts.append(f"## `{full}`\n")
        parts.append((command.help or "").strip() + "\n")
        parts.append(f"```\n{command.get_usage(ctx)}\n```\n")
        rows = [_parameter_row(p) for p in command.get_params(ctx) if p.name != "help"]
        if rows:
            parts.append("| parameter | meaning |\n| --- | --- |\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def data_dictionaries(language: str) -> str:
    """The catalog's dataset tables, then the fields of :data:`MAIN_DATASETS` as ``arrow_sus.describe`` gives
    them, meanings in ``language`` (``pt`` or ``en``)."""
    import arrow_sus

    parts = []
    for dataset in MAIN_DATASETS:
        table = arrow_sus.describe(dataset, language=language).table.to_pylist()
        parts.append(f"### `{dataset}`\n")
        parts.append(f"{len(table)} fields · `arrow_sus.describe({dataset!r})` · `arrow-sus describe {dataset}`\n")
        parts.append(
            "| field | type | meaning | kind | codes / reference | years |\n| --- | --- | --- | --- | --- | --- |"
        )
        for row in table:
            codes = f"{row['code_list']} ({row['codes']} codes)" if row["code_list"] else row["reference"]
            meaning = row[f"description_{language}"]
            cells = [f"`{row['name']}`", row["arrow_type"], meaning, row["kind"], codes, row["years"]]
            parts.append("| " + " | ".join(_cell(c) if i else c for i, c in enumerate(cells)) + " |")
        parts.append("")
    return "\n".join(["## Datasets\n", *dataset_tables(), "## Fields\n", *parts])
