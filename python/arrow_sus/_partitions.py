"""Normalisation of the partition arguments every scan takes: ``uf``, ``year`` and ``month``.

Each accepts one value, a list, a ``range``, or a string range (``"2019-2023"``, ``"1-6"``, ``"SP,RJ"``)
as typed on the command line, and becomes a sorted list without duplicates, or ``None`` for "all".
"""

from __future__ import annotations

from collections.abc import Iterable

from arrow_sus._messages import argument, none_for_all
from arrow_sus._native import _core
from arrow_sus.errors import InvalidArgumentError

UfArg = str | Iterable[str] | None
IntArg = int | str | range | Iterable[int | str] | None


#: The years a DATASUS file can be of (the oldest files are from the 1970s), and the months of a year.
YEARS = (1970, 2100)
MONTHS = (1, 12)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _in_bounds(value: int, what: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if not low <= value <= high:
        hint = "use four digits, e.g. 2023" if what == "year" else f"{what}s go from {low} to {high}"
        raise InvalidArgumentError(f"{argument(what, value)} is out of range ({low}-{high}): {hint}")
    return value


def _expand_int(token: int | str, what: str, bounds: tuple[int, int]) -> list[int]:
    """One value or a ``first-last`` range, each end checked against ``bounds`` before anything is built (a
    range like ``1-999999999`` fails at once instead of expanding)."""
    if isinstance(token, bool) or not isinstance(token, (int, str)):
        raise InvalidArgumentError(f"{what} must be a number, a list or a range like '2019-2023', not {token!r}")
    if isinstance(token, int):
        return [_in_bounds(token, what, bounds)]
    text = token.strip()
    low, sep, high = text.partition("-")
    try:
        first = int(low)
        last = int(high) if sep else first
    except ValueError:
        raise InvalidArgumentError(
            f"{what} must be a number, a list or a range like '2019-2023', not {token!r}"
        ) from None
    _in_bounds(first, what, bounds)
    _in_bounds(last, what, bounds)
    if last < first:
        raise InvalidArgumentError(f"{what} range {text!r} is empty (the end is before the start)")
    return list(range(first, last + 1))


def _ints(value: IntArg, what: str, bounds: tuple[int, int]) -> list[int] | None:
    if value is None:
        return None
    items: Iterable[int | str]
    if isinstance(value, str):
        items = _split(value)
    elif isinstance(value, int):
        items = [value]
    else:
        items = value
    out: set[int] = set()
    for item in items:  # each item is checked as it comes: a huge range fails at its first bad value
        out.update(_expand_int(item, what, bounds))
    if not out:
        raise InvalidArgumentError(f"{what} is empty: pass at least one value, {none_for_all()}")
    return sorted(out)


def normalize_years(year: IntArg) -> list[int] | None:
    """Four-digit years (1970-2100) as a sorted list (``None``: every year the dataset has)."""
    return _ints(year, "year", YEARS)


def normalize_months(month: IntArg) -> list[int] | None:
    """Months 1-12 as a sorted list (``None``: every month)."""
    return _ints(month, "month", MONTHS)


def _state_codes() -> list[str]:
    """The 27 federative units, from the compiled-in catalog (BR, the national files, excluded). Read from the
    rows rather than ``catalog.ufs()``: building a pyarrow table from Python lists imports pandas (~0.2 s), which
    would be most of a warm cached scan."""
    return [row[0] for row in _core.catalog_ufs() if row[0] != "BR"]


def normalize_ufs(uf: UfArg, *, allow_br: bool = True) -> list[str] | None:
    """Upper-case UF codes as a sorted list (``None``: every state, or the national files)."""
    if uf is None:
        return None
    states = _state_codes()
    items = _split(uf) if isinstance(uf, str) else list(uf)
    out: set[str] = set()
    for item in items:
        code = str(item).strip().upper()
        if code in states or (allow_br and code == "BR"):
            out.add(code)
        else:
            choices = ", ".join(states) + (" or BR" if allow_br else "")
            raise InvalidArgumentError(f"unknown UF {item!r}: use one of {choices}")
    if not out:
        raise InvalidArgumentError(f"uf is empty: pass at least one state, {none_for_all()}")
    return sorted(out)
