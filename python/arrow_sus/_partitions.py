"""Normalisation of the partition arguments every scan takes: ``uf``, ``year`` and ``month``.

Each accepts one value, a list, a ``range``, or a string range (``"2019-2023"``, ``"1-6"``, ``"SP,RJ"``)
as typed on the command line, and becomes a sorted list without duplicates, or ``None`` for "all".
"""

from __future__ import annotations

from collections.abc import Iterable

from arrow_sus.errors import InvalidArgumentError

UfArg = str | Iterable[str] | None
IntArg = int | str | range | Iterable[int | str] | None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def _expand_int(token: int | str, what: str) -> list[int]:
    if isinstance(token, bool):
        raise InvalidArgumentError(f"{what} must be a number, not {token!r}")
    if isinstance(token, int):
        return [token]
    text = token.strip()
    low, sep, high = text.partition("-")
    try:
        if sep:
            first, last = int(low), int(high)
            if last < first:
                raise InvalidArgumentError(f"{what} range {text!r} is empty (the end is before the start)")
            return list(range(first, last + 1))
        return [int(text)]
    except ValueError:
        raise InvalidArgumentError(
            f"{what} must be a number, a list or a range like '2019-2023', not {token!r}"
        ) from None


def _ints(value: IntArg, what: str) -> list[int] | None:
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
    for item in items:
        out.update(_expand_int(item, what))
    if not out:
        raise InvalidArgumentError(f"{what} is empty: pass at least one value, or None for all")
    return sorted(out)


def normalize_years(year: IntArg) -> list[int] | None:
    """Four-digit years as a sorted list (``None``: every year the dataset has)."""
    years = _ints(year, "year")
    for y in years or ():
        if not 1970 <= y <= 2100:
            raise InvalidArgumentError(f"year {y} is out of range: use four digits, e.g. 2023")
    return years


def normalize_months(month: IntArg) -> list[int] | None:
    """Months 1-12 as a sorted list (``None``: every month)."""
    months = _ints(month, "month")
    for m in months or ():
        if not 1 <= m <= 12:
            raise InvalidArgumentError(f"month {m} is out of range: months go from 1 to 12")
    return months


def _state_codes() -> list[str]:
    """The 27 federative units, from the compiled-in catalog (BR, the national files, excluded). Read from the
    rows rather than ``catalog.ufs()``: building a pyarrow table from Python lists imports pandas (~0.2 s), which
    would be most of a warm cached scan."""
    from arrow_sus._native import _core

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
        raise InvalidArgumentError("uf is empty: pass at least one state, or None for all")
    return sorted(out)
