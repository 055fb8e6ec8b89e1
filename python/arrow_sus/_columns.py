"""Normalisation of the ``columns`` argument every reader and scan takes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from arrow_sus._messages import argument, none_for_all
from arrow_sus.errors import InvalidArgumentError


def normalize_columns(columns: Iterable[str] | None) -> tuple[str, ...] | None:
    """The asked columns as a tuple of names, in order (``None``: every column).

    A single string is refused rather than read as its letters, an empty list rather than a table without
    columns, and a name given twice rather than a table with two columns of one name."""
    if columns is None:
        return None
    if isinstance(columns, (str, bytes)):
        raise InvalidArgumentError(
            f"{argument('columns')} takes a list of names, not one string: "
            f"{argument('columns', [columns] if isinstance(columns, str) else columns)}"
        )
    names = tuple(columns)
    for name in names:
        if not isinstance(name, str):
            raise InvalidArgumentError(f"column names are strings, not {type(name).__name__} ({name!r})")
    if not names:
        raise InvalidArgumentError(f"{argument('columns')} names no column: name at least one, {none_for_all()}")
    repeated = sorted(name for name, n in Counter(names).items() if n > 1)
    if repeated:
        raise InvalidArgumentError(f"{argument('columns')} names {', '.join(repeated)} more than once")
    return names
