"""Where an output may be written, and in which format: the rule every writer follows.

The rule itself lives in the engine (``include/arrow_sus/output_target.h``): a target is written only when
it does not exist, when arrow-sus wrote it, or when the caller passes ``overwrite=True`` / ``--overwrite``;
never over a device, FIFO or socket, an input, the current directory, a directory holding files arrow-sus
did not write, or the cache. Outputs are written under a temporary name beside the target and moved into
place when complete. This module adds the Python side: formats from ``format=`` or the name's suffix,
``-`` for standard output, and the caller's terms in messages.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arrow_sus._messages import argument, switch
from arrow_sus._native import _core
from arrow_sus.cache import cache_dir
from arrow_sus.errors import InvalidArgumentError

#: Output formats by file suffix.
FORMATS = {
    ".parquet": "parquet",
    ".arrow": "arrow",
    ".ipc": "arrow",
    ".feather": "arrow",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".dbf": "dbf",
}
#: The suffix each format's files get (the first of :data:`FORMATS` that names it).
SUFFIXES = {fmt: suffix for suffix, fmt in reversed(FORMATS.items())}

#: The name that means standard output, and the formats that can stream there (no seeking back); CSV is the
#: default there.
STDOUT = "-"
STDOUT_FORMATS = ("csv", "jsonl", "arrow")


@dataclass(frozen=True)
class OutputRules:
    """What a write may replace: ``overwrite`` existing targets arrow-sus did not write; never ``inputs``."""

    overwrite: bool = False
    inputs: tuple[Path, ...] = field(default_factory=tuple)

    def native(self) -> dict[str, Any]:
        """The keyword arguments of the engine's output functions."""
        return {
            "overwrite": self.overwrite,
            "inputs": [Path(p) for p in self.inputs],
            "protected_roots": [cache_dir()],
            "overwrite_hint": switch("overwrite"),
        }


def is_stdout(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` names standard output (``-``)."""
    return os.fspath(target) == STDOUT


def names_directory(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` asks for a directory: it ends with a path separator or is an existing directory."""
    text = os.fspath(target)
    return text.endswith(("/", os.sep)) or (Path(text).is_dir() and not Path(text).is_symlink())


def check_format(fmt: str, allowed: Sequence[str]) -> str:
    """``fmt`` itself when it is one of ``allowed``; otherwise an error listing them."""
    if fmt not in allowed:
        raise InvalidArgumentError(f"{argument('format', fmt)} is not a format here: use one of {', '.join(allowed)}")
    return fmt


def output_format(target: str | os.PathLike[str], fmt: str | None, allowed: Sequence[str]) -> str:
    """The format of a file output: ``fmt`` when given (checked against ``allowed`` and the name's suffix),
    else the one its suffix names. An unknown suffix is an error that lists the formats: arrow-sus never
    guesses, so ``-o notes`` cannot turn into something the user did not ask for."""
    text = os.fspath(target)
    choices = ", ".join(allowed)
    if fmt is not None:
        check_format(fmt, allowed)
    if is_stdout(text):
        usable = [f for f in allowed if f in STDOUT_FORMATS]
        chosen = fmt or "csv"
        if chosen not in STDOUT_FORMATS:
            raise InvalidArgumentError(
                f"{chosen} cannot be written to standard output: use {argument('format')} {' or '.join(usable)}"
            )
        return chosen
    named = FORMATS.get(Path(text).suffix.lower())
    if fmt is not None:
        if named is not None and named != fmt:
            raise InvalidArgumentError(f"{argument('format', fmt)} does not match the output name {text!r}")
        return fmt
    if named is None or named not in allowed:
        suffixes = ", ".join(SUFFIXES[f] for f in allowed)
        raise InvalidArgumentError(
            f"cannot tell the format of {text!r} from its name: end it with {suffixes}, or give "
            f"{argument('format')} ({choices})"
        )
    return named


def check_target(target: Path, *, directory: bool, rules: OutputRules) -> None:
    """Raises :class:`InvalidArgumentError` when ``target`` may not be written (see the module's rule)."""
    _core.output_check(target, directory, **rules.native())


def temporary_path(target: Path) -> Path:
    """A unique hidden name beside ``target`` to write it under (nothing is created)."""
    return Path(_core.output_temporary_path(target))


def commit(temp: Path, target: Path, *, directory: bool, rules: OutputRules) -> None:
    """Moves the finished ``temp`` onto ``target`` (checked again now) and marks it as written by arrow-sus."""
    _core.output_commit(temp, target, directory, **rules.native())
