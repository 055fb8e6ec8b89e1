"""Row filters: one language, an Arrow expression (``pyarrow.compute.Expression``).

Every accepted form of ``filters`` is converted once, here, into a ``pc.Expression``; the engine receives it in
Arrow's own serialization and decides in C++ what it evaluates on the raw DBF bytes (comparisons of a column
with a literal, ``is_in``, null tests and ``starts_with``, under ``and`` / ``or``: see
``include/arrow_sus/scan/filter_split.h``) and what Arrow evaluates after conversion (anything else). A
comparison on a null value (blank or unparsable field) is never true, as in Arrow, so ``!=`` and ``not in``
do not select nulls; use ``is_null`` for those. Comparisons of a column with a literal follow the reader's
rules: text compared with a number is read as a number, a date column compared with ``'YYYY-MM-DD'`` text
reads it as a date.

Accepted forms of ``filters``:

* ``[("SEXO", "=", "3"), ("IDADE_ANOS", ">=", 60)]`` — a list of tuples, ANDed (pyarrow.parquet's
  ``filters_to_expression`` convention, plus ``is_null``, ``not_null`` and ``starts_with``);
* ``[[("UF", "=", "SP")], [("UF", "=", "RJ")]]`` — a list of such lists, ORed;
* ``--where`` text, or its :func:`parse_where` result;
* a ``pyarrow.compute.Expression`` such as ``(pc.field("SEXO") == "3") & pc.field("IDADE").isin([1, 2])``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import operator
import re
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrow_sus._native import _core
from arrow_sus.errors import InvalidArgumentError

Literal = str | int | float | bool | _dt.date

#: Operators and their accepted spellings.
OPERATORS: dict[str, str] = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "in": "in",
    "not in": "not in",
    "not_in": "not in",
    "is_null": "is_null",
    "not_null": "not_null",
    "starts_with": "starts_with",
}
_NO_VALUE = {"is_null", "not_null"}
_MANY_VALUES = {"in", "not in"}
_COMPARE = {"=": pc.equal, "!=": pc.not_equal, "<": pc.less, "<=": pc.less_equal, ">": pc.greater,
            ">=": pc.greater_equal}  # fmt: skip

#: Limits of one filter: values in all its comparisons together (an ``in`` list of every municipality and
#: CID-10 code fits many times over), and how deeply ``and``/``or`` groups nest (the engine checks that one).
MAX_VALUES = 200_000
MAX_DEPTH = 64

_MISSING: Any = object()
_INT64 = (-(2**63), 2**63 - 1)


def _invalid(field: str, message: str) -> InvalidArgumentError:
    error = InvalidArgumentError(message)
    error.field = field
    return error


def _scalar(value: Any, field: str) -> pa.Scalar:
    """A Python literal as the Arrow scalar the engine compares (64-bit integers, valid text)."""
    if isinstance(value, bool):
        return pa.scalar(value, pa.bool_())
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise _invalid(field, f"filter value {value} on field {field} is outside the 64-bit integer range")
        return pa.scalar(value, pa.int64())
    if isinstance(value, float):
        return pa.scalar(value, pa.float64())
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _invalid(
                field, f"filter value {value!r} on field {field} is not valid text (it holds a lone surrogate)"
            ) from None
        return pa.scalar(value, pa.utf8())
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return pa.scalar(value, pa.date32())
    raise _invalid(field, f"unsupported filter value {value!r} for {field} (use str, int, float, bool or date)")


def _value_set(values: Sequence[Any], field: str) -> pa.Array:
    """The values of ``in`` / ``not in`` as one array (integers mixed with floats as float64)."""
    scalars = [_scalar(v, field) for v in values]
    types = {s.type for s in scalars}
    if types == {pa.int64(), pa.float64()}:
        return pa.array([s.as_py() for s in scalars], pa.float64())
    if len(types) > 1:
        raise _invalid(field, f"the values compared with {field} mix kinds: {', '.join(sorted(map(str, types)))}")
    return pa.array([s.as_py() for s in scalars], types.pop() if types else pa.utf8())


def comparison(field: str, op: str, value: Any = _MISSING) -> pc.Expression:
    """The expression of a parquet-style ``(field, op, value)`` triple (``(field, op)`` or ``(field, op, None)``
    for ``is_null`` / ``not_null``)."""
    op_name = OPERATORS.get(op.lower()) if isinstance(op, str) else None
    if op_name is None:
        raise InvalidArgumentError(
            f"unknown filter operator {op!r} (expected one of {', '.join(sorted(set(OPERATORS)))})"
        )
    column = pc.field(field)
    if op_name in _NO_VALUE:
        if value is not _MISSING and value is not None:
            raise InvalidArgumentError(f"{op_name} takes no value (field {field})")
        return column.is_null() if op_name == "is_null" else column.is_valid()
    if value is _MISSING:
        raise InvalidArgumentError(f"{op_name} needs a value (field {field})")
    if op_name in _MANY_VALUES:
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, set, frozenset)):
            raise InvalidArgumentError(f"{op_name} needs a list of values (field {field})")
        found = pc.is_in(column, value_set=_value_set(list(value), field))
        # Arrow's "not is_in" is true on nulls; a comparison on a null never is.
        return found if op_name == "in" else column.is_valid() & ~found
    if op_name == "starts_with":
        if not isinstance(value, str):
            raise _invalid(field, f"{value!r} is not a string and field {field} is text")
        _scalar(value, field)  # valid text
        return pc.starts_with(column, pattern=value)
    return _COMPARE[op_name](column, pc.scalar(_scalar(value, field)))


def _from_tuple(item: Any) -> pc.Expression:
    if not isinstance(item, tuple) or len(item) not in (2, 3) or not isinstance(item[0], str):
        raise InvalidArgumentError(f"a filter must be a (field, op, value) tuple, got {item!r}")
    return comparison(*item)


def _all(expressions: Sequence[pc.Expression]) -> pc.Expression:
    return functools.reduce(operator.and_, expressions) if expressions else pc.scalar(True)


def _count_values(filters: list[Any]) -> None:
    """Raises when the tuples hold more than :data:`MAX_VALUES` values together."""
    tuples = [t for group in filters for t in (group if isinstance(group, list) else [group])]
    values = sum(
        len(t[2]) if len(t) == 3 and isinstance(t[2], (list, tuple, set, frozenset)) else 1
        for t in tuples
        if isinstance(t, tuple)
    )
    if values > MAX_VALUES:
        raise _too_many_values()


def _too_many_values() -> InvalidArgumentError:
    return InvalidArgumentError(
        f"the filter holds more than {MAX_VALUES:,} values: filter on a coarser column, or join "
        "the result with a table of the values instead"
    )


def serialize(expression: pc.Expression) -> bytes:
    """An expression in Arrow's own serialization (``arrow::compute::Serialize``, what pickling uses): the form
    the engine takes."""
    _, (buffer,) = expression.__reduce__()
    data: bytes = buffer.to_pybytes()
    return data


def normalize_filters(filters: Any) -> pc.Expression | None:
    """Turns any accepted ``filters`` form into one ``pc.Expression`` (``None`` stays ``None``), within the limits
    :data:`MAX_VALUES` and :data:`MAX_DEPTH`."""
    if filters is None:
        return None
    if isinstance(filters, pc.Expression):
        _core.filter_fields(serialize(filters))  # the engine's checks (nesting), now rather than mid-read
        return filters
    if isinstance(filters, str):
        return parse_where(filters)
    if isinstance(filters, tuple):
        return _from_tuple(filters)
    if not isinstance(filters, list):
        raise InvalidArgumentError(
            f"filters must be a list of tuples or of lists of tuples, got {type(filters).__name__}"
        )
    _count_values(filters)
    if filters and all(isinstance(f, list) for f in filters):
        groups = [_all([_from_tuple(t) for t in group]) for group in filters]
        return functools.reduce(operator.or_, groups)
    return _all([_from_tuple(t) for t in filters])


def filter_fields(expression: pc.Expression | None) -> list[str]:
    """Names of the fields a filter reads, in first-use order."""
    return [] if expression is None else list(_core.filter_fields(serialize(expression)))


# ---- --where text ----

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
      | (?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
      | (?P<op><=|>=|<>|!=|==|=|<|>)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)


class _WhereParser:
    """Recursive descent over: or_expr := and_expr (OR and_expr)*; and_expr := atom (AND atom)*;
    atom := '(' or_expr ')' | FIELD op value | FIELD [NOT] IN '(' value, ... ')'
          | FIELD IS [NOT] NULL | FIELD STARTS_WITH value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        self.depth = 0
        pos, end = 0, len(text.rstrip())
        while pos < end:
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                raise InvalidArgumentError(f"cannot parse --where at character {pos}: {text[pos:]!r}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.values = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise InvalidArgumentError(f"--where ends too early: {self.text!r}")
        self.i += 1
        return tok

    def keyword(self, *words: str) -> bool:
        tok = self.peek()
        if tok and tok[0] == "word" and tok[1].lower() in words:
            self.i += 1
            return True
        return False

    def expect(self, kind: str, value: str | None = None) -> str:
        tok = self.take()
        if tok[0] != kind or (value is not None and tok[1].lower() != value):
            raise InvalidArgumentError(f"--where: expected {value or kind}, got {tok[1]!r} in {self.text!r}")
        return tok[1]

    def parse(self) -> pc.Expression:
        expr = self.or_expr()
        if self.peek() is not None:
            raise InvalidArgumentError(f"--where: unexpected {self.peek()[1]!r} in {self.text!r}")  # type: ignore[index]
        return expr

    def or_expr(self) -> pc.Expression:
        children = [self.and_expr()]
        while self.keyword("or"):
            children.append(self.and_expr())
        return functools.reduce(operator.or_, children)

    def and_expr(self) -> pc.Expression:
        children = [self.atom()]
        while self.keyword("and"):
            children.append(self.atom())
        return functools.reduce(operator.and_, children)

    def atom(self) -> pc.Expression:
        tok = self.peek()
        if tok == ("punct", "("):
            self.take()
            self.depth += 1
            if self.depth >= MAX_DEPTH:
                raise InvalidArgumentError(f"--where nests parentheses more than {MAX_DEPTH} levels deep")
            expr = self.or_expr()
            self.expect("punct", ")")
            self.depth -= 1
            return expr
        field = self.expect("word")
        if self.keyword("is"):
            negated = self.keyword("not")
            self.expect("word", "null")
            return comparison(field, "not_null" if negated else "is_null")
        if self.keyword("not"):
            self.expect("word", "in")
            return comparison(field, "not in", self.value_list())
        if self.keyword("in"):
            return comparison(field, "in", self.value_list())
        if self.keyword("starts_with", "startswith"):
            return comparison(field, "starts_with", self.value())
        op = self.expect("op")
        return comparison(field, op, self.value())

    def value_list(self) -> tuple[Literal, ...]:
        self.expect("punct", "(")
        values = [self.value()]
        while self.peek() == ("punct", ","):
            self.take()
            values.append(self.value())
        self.expect("punct", ")")
        return tuple(values)

    def value(self) -> Literal:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _too_many_values()
        kind, text = self.take()
        if kind == "string":
            return text[1:-1].replace(text[0] * 2, text[0])
        if kind == "number":
            try:
                return float(text) if any(c in text for c in ".eE") else int(text)
            except ValueError:  # more digits than Python converts
                raise InvalidArgumentError(f"--where: the number {text[:20]}... is too long") from None
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if kind == "word" and text.lower() == "date":
            literal = self.take()
            if literal[0] != "string":
                raise InvalidArgumentError(f"--where: date needs a quoted 'YYYY-MM-DD', got {literal[1]!r}")
            try:
                return _dt.date.fromisoformat(literal[1][1:-1])
            except ValueError as exc:
                raise InvalidArgumentError(f"--where: {literal[1]} is not a YYYY-MM-DD date") from exc
        raise InvalidArgumentError(f"--where: expected a value, got {text!r} in {self.text!r}")


def parse_where(text: str) -> pc.Expression:
    """Parses a ``--where`` expression such as ``SEXO = '3' and IDADE_ANOS >= 60`` into a ``pc.Expression``.

    Grammar: comparisons ``FIELD op value`` (op: ``= == != <> < <= > >=``), ``FIELD in (v, ...)``,
    ``FIELD not in (...)``, ``FIELD is null``, ``FIELD is not null``, ``FIELD starts_with 'I2'``, combined
    with ``and`` / ``or`` and parentheses (``and`` binds tighter). Values: quoted strings (``'...'`` or
    ``"..."``), numbers, ``true`` / ``false``, ``date 'YYYY-MM-DD'``. Keywords are case-insensitive; field
    names are kept as written.
    """
    return _WhereParser(text).parse()


__all__ = [
    "MAX_DEPTH",
    "MAX_VALUES",
    "OPERATORS",
    "Literal",
    "comparison",
    "filter_fields",
    "normalize_filters",
    "parse_where",
    "serialize",
]
