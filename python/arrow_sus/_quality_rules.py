"""The rules of the quality report (docs/labels.md, "Quality report"), one per problem, and the per-column
counter that applies them batch by batch. Which rule applies to a column comes from the data dictionary
(``_core.catalog_field_info``): its kind, unit, code list and reference table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrow_sus._native import _core

#: Units of quantities that are never negative (the dictionaries' ``unit``; ``degrees`` and ``celsius`` can be).
NON_NEGATIVE_UNITS = frozenset(
    {"g", "kg", "years", "months", "weeks", "days", "hours", "count", "persons", "doses", "BRL", "USD"}
    | {"cm", "mm", "m", "km", "km2", "ml", "%", "kg/m2", "cells/mm3", "mg/dl", "mg%", "g%"}
)
#: Ages past 130 years are out of range, in whatever unit.
MAX_AGE_YEARS = 130
#: Upper bounds of quantities by unit (ages and durations of a life).
MAX_BY_UNIT: dict[str, float] = {"years": MAX_AGE_YEARS, "months": MAX_AGE_YEARS * 12}
#: Dates before this one are out of range (as are dates after the day of the check).
FIRST_DATE = dt.date(1900, 1, 1)
#: In a CID-10 column, codes made of digits only are CID-9 codes (CID-10 codes start with a letter).
CID9_ONLY = r"^[0-9]{3}[0-9X]?$"
#: In a CID-9 column, codes starting with a letter other than E and V (CID-9's supplementary classes, which
#: CID-10 also uses) are CID-10 codes.
CID10_ONLY = r"^[A-DF-UW-Z][0-9]{2}[0-9X]?$"
#: Codes made of zeros stand for "none" in some files; they are no code of either system.
ZEROS = r"^0+$"
#: Offending values kept per column as examples.
EXAMPLES = 5


@dataclass
class ColumnRules:
    """What is checked in one column, decided from its Arrow type and its dictionary entry."""

    code_list: str | None = None  # unmapped codes
    reference: str | None = None  # unmapped codes: those the reference table (cid10, municipality...) lacks
    date_format: str | None = None  # invalid dates: the column is still text, in this format
    low: float | dt.date | None = None  # out of range
    high: float | dt.date | None = None
    foreign_codes: str | None = None  # mixed code systems: a pattern of the other system
    separator: str | None = None

    def describe(self) -> str:
        """The rules in words, for the report."""
        parts = []
        if self.low is not None or self.high is not None:
            low = "" if self.low is None else f"{self.low} ≤ "
            high = "" if self.high is None else f" ≤ {self.high}"
            parts.append(f"{low}value{high}")
        if self.foreign_codes == CID9_ONLY:
            parts.append("no CID-9 codes (digits only)")
        elif self.foreign_codes == CID10_ONLY:
            parts.append("no CID-10 codes (letter other than E, V)")
        return "; ".join(parts)


def rules_for(
    arrow_field: pa.Field, entry: dict[str, Any] | None, derived_as: str | None, today: dt.date
) -> ColumnRules:
    """The rules of one delivered column: ``entry`` is its dictionary entry (``None`` when undescribed),
    ``derived_as`` what it is when the readers add it (``age_years``...)."""
    rules = ColumnRules()
    kind = entry["kind"] if entry else None
    if pa.types.is_date(arrow_field.type):
        rules.low, rules.high = FIRST_DATE, today
    if derived_as == "age_years":
        rules.low, rules.high = 0, MAX_AGE_YEARS
    if entry is None:
        return rules
    if kind == "code" and entry["code_list"] and not entry["separator"]:
        rules.code_list = entry["code_list"]
    if kind == "code" and entry["reference"] and not entry["code_list"] and not entry["separator"]:
        rules.reference = entry["reference"]
    if kind == "date" and entry["date_format"] not in (None, "YYYY") and pa.types.is_string(arrow_field.type):
        rules.date_format = entry["date_format"]
    is_number = pa.types.is_integer(arrow_field.type) or pa.types.is_floating(arrow_field.type)
    if kind == "number" and is_number and entry["unit"] in NON_NEGATIVE_UNITS:
        rules.low, rules.high = 0, MAX_BY_UNIT.get(entry["unit"])
    if kind == "code" and entry["reference"] in ("cid10", "cid9") and _is_text(arrow_field.type):
        rules.foreign_codes = CID9_ONLY if entry["reference"] == "cid10" else CID10_ONLY
        rules.separator = entry["separator"]
    return rules


def _is_text(arrow_type: pa.DataType) -> bool:
    """Text, or text codes as a dictionary (how the readers deliver coded columns)."""
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    return bool(pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type))


def _as_text(array: pa.Array) -> pa.Array:
    return array.cast(pa.string()) if not pa.types.is_string(array.type) else array


def add_counts(counts: dict[str, int], array: pa.Array) -> None:
    """Adds each distinct non-null value of a column (dictionary or not) as text, with its count, to ``counts``."""
    if pa.types.is_dictionary(array.type):
        dictionary = _as_text(array.dictionary).to_pylist()
        found = pc.value_counts(array.indices.drop_null())
        indices, numbers = found.field(0).to_pylist(), found.field(1).to_pylist()
        pairs: Iterable[tuple[Any, Any]] = ((dictionary[i], c) for i, c in zip(indices, numbers, strict=True))
    else:
        found = pc.value_counts(_as_text(array).drop_null())
        pairs = zip(found.field(0).to_pylist(), found.field(1).to_pylist(), strict=True)
    for value, count in pairs:
        counts[value] = counts.get(value, 0) + count


@dataclass
class ColumnCounter:
    """Rows, nulls, out-of-range values, codes of another system, and the distinct values unmapped codes and
    invalid dates are judged on, of one column over every batch."""

    rules: ColumnRules
    rows: int = 0
    nulls: int = 0
    out_of_range: int = 0
    mixed_codes: int = 0
    values: dict[str, int] = field(default_factory=dict)  # distinct values of a coded or date text column
    examples: list[str] = field(default_factory=list)

    def _example(self, values: list[Any]) -> None:
        for value in values:
            text = str(value)
            if len(self.examples) < EXAMPLES and text not in self.examples:
                self.examples.append(text)

    def add(self, array: pa.Array) -> None:
        self.rows += len(array)
        self.nulls += array.null_count
        if self.rules.code_list is not None or self.rules.reference is not None or self.rules.date_format is not None:
            add_counts(self.values, array)
        if self.rules.low is not None or self.rules.high is not None:
            self._add_range(array)
        if self.rules.foreign_codes is not None:
            self._add_codes(array)

    def _add_range(self, array: pa.Array) -> None:
        low, high = self.rules.low, self.rules.high
        outside = pc.less(array, pa.scalar(low, array.type)) if low is not None else None
        if high is not None:
            above = pc.greater(array, pa.scalar(high, array.type))
            outside = above if outside is None else pc.or_(outside, above)
        assert outside is not None
        count = pc.sum(outside).as_py() or 0
        if count:
            self.out_of_range += count
            self._example(pc.unique(array.filter(outside)).to_pylist())

    def _add_codes(self, array: pa.Array) -> None:
        text = _as_text(array)
        if self.rules.separator:
            parts = pc.split_pattern(text, self.rules.separator)
            codes, rows = pc.utf8_trim_whitespace(pc.list_flatten(parts)), pc.list_parent_indices(parts)
        else:
            codes, rows = pc.utf8_trim_whitespace(text), None
        foreign = pc.and_(
            pc.match_substring_regex(codes, self.rules.foreign_codes),
            pc.invert(pc.match_substring_regex(codes, ZEROS)),
        )
        foreign = pc.fill_null(foreign, False)
        count = pc.sum(foreign).as_py() or 0
        if not count:
            return
        self.mixed_codes += count if rows is None else len(pc.unique(rows.filter(foreign)))
        self._example(pc.unique(codes.filter(foreign)).to_pylist())

    def unmapped(self) -> tuple[int, list[str]]:
        """Occurrences of codes the column's list (or reference table) lacks, and those codes (as the readers
        decide them)."""
        values = sorted(self.values)
        if not values:
            return 0, []
        if self.rules.code_list is not None:
            known = _core.catalog_codes_known(self.rules.code_list, values)
        else:
            known = _core.reference.codes_known(self.rules.reference, values)
        missing = [v for v, ok in zip(values, known, strict=True) if not ok]
        return sum(self.values[v] for v in missing), missing


def invalid_dates(counts: dict[str, int], date_format: str) -> tuple[int, list[str]]:
    """Occurrences of text that is not a date in ``date_format`` (blank and all-zero text are no date, not
    invalid), and some of those texts, as typed reads decide them."""
    values = sorted(counts)
    kinds = _core.date_text_kinds(values, date_format) if values else []
    bad = [v for v, kind in zip(values, kinds, strict=True) if kind == "invalid"]
    return sum(counts[v] for v in bad), bad[:EXAMPLES]
