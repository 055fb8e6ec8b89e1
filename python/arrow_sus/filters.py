"""Row filters: the pyarrow.parquet ``filters=`` convention, a small expression tree, and ``--where`` text.

Every form ends up as the same tree (:class:`Comparison` leaves under :class:`And` / :class:`Or` nodes),
which the engine compiles against a file's layout and evaluates on the raw DBF bytes before any column
is converted. A comparison on a null value (blank or unparsable field) is never true, as in Arrow, so
``!=`` and ``not in`` do not select nulls; use ``is_null`` for those.

Accepted forms of ``filters``:

* ``[("SEXO", "=", "3"), ("IDADE_ANOS", ">=", 60)]`` — a list of tuples, ANDed;
* ``[[("UF", "=", "SP")], [("UF", "=", "RJ")]]`` — a list of such lists, ORed;
* an :class:`Expr` built directly, or parsed from text with :func:`parse_where`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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

#: Limits of one filter: values in all its comparisons together (an ``in`` list of every municipality and
#: CID-10 code fits many times over), and how deeply ``and``/``or`` groups nest.
MAX_VALUES = 200_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class Comparison:
    """``field OP value``; ``values`` holds the list of ``in`` / ``not in`` and is empty for null tests."""

    field: str
    op: str
    values: tuple[Literal, ...] = ()

    def __post_init__(self) -> None:
        op = OPERATORS.get(self.op.lower() if isinstance(self.op, str) else self.op)
        if op is None:
            raise InvalidArgumentError(
                f"unknown filter operator {self.op!r} (expected one of {', '.join(sorted(set(OPERATORS)))})"
            )
        object.__setattr__(self, "op", op)
        if op in _NO_VALUE and self.values:
            raise InvalidArgumentError(f"{op} takes no value (field {self.field})")
        if op not in _NO_VALUE and op not in _MANY_VALUES and len(self.values) != 1:
            raise InvalidArgumentError(f"{op} takes exactly one value (field {self.field})")


@dataclass(frozen=True)
class And:
    """True when every child is (an empty And is always true)."""

    children: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """True when any child is (an empty Or is never true)."""

    children: tuple[Expr, ...]


Expr = Comparison | And | Or


_MISSING: Any = object()


def comparison(field: str, op: str, value: Any = _MISSING) -> Comparison:
    """Builds a :class:`Comparison` from a parquet-style ``(field, op, value)`` triple (``(field, op)`` or
    ``(field, op, None)`` for ``is_null`` / ``not_null``)."""
    op_name = OPERATORS.get(op.lower()) if isinstance(op, str) else None
    if op_name is None:
        return Comparison(field, str(op))  # raises with the list of operators
    if op_name in _NO_VALUE:
        if value is not _MISSING and value is not None:
            raise InvalidArgumentError(f"{op_name} takes no value (field {field})")
        return Comparison(field, op_name)
    if value is _MISSING:
        raise InvalidArgumentError(f"{op_name} needs a value (field {field})")
    if op_name in _MANY_VALUES:
        if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, set, frozenset)):
            raise InvalidArgumentError(f"{op_name} needs a list of values (field {field})")
        return Comparison(field, op_name, tuple(value))
    return Comparison(field, op_name, (value,))


def _from_tuple(item: Any) -> Comparison:
    if not isinstance(item, tuple) or len(item) not in (2, 3) or not isinstance(item[0], str):
        raise InvalidArgumentError(f"a filter must be a (field, op, value) tuple, got {item!r}")
    return comparison(*item)


def _check_limits(expr: Expr) -> Expr:
    """``expr`` itself, once its values and nesting are within :data:`MAX_VALUES` and :data:`MAX_DEPTH`.

    Walks the tree without recursion, so a tree built by hand thousands of levels deep gets this error
    rather than a RecursionError."""
    values = 0
    stack: list[tuple[Any, int]] = [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidArgumentError(f"the filter nests and/or groups more than {MAX_DEPTH} levels deep")
        if isinstance(node, Comparison):
            values += len(node.values)
            if values > MAX_VALUES:
                raise InvalidArgumentError(
                    f"the filter holds more than {MAX_VALUES:,} values: filter on a coarser column, or join "
                    "the result with a table of the values instead"
                )
        elif isinstance(node, (And, Or)):
            stack.extend((child, depth + 1) for child in node.children)
        else:
            raise InvalidArgumentError(f"a filter node must be a Comparison, And or Or, not {type(node).__name__}")
    return expr


def normalize_filters(filters: Any) -> Expr | None:
    """Turns any accepted ``filters`` form into an :class:`Expr` (``None`` stays ``None``), within the limits
    :data:`MAX_VALUES` and :data:`MAX_DEPTH`."""
    if filters is None:
        return None
    if isinstance(filters, (Comparison, And, Or)):
        return _check_limits(filters)
    if isinstance(filters, str):
        return parse_where(filters)
    if isinstance(filters, tuple):
        return _check_limits(_from_tuple(filters))
    if not isinstance(filters, list):
        raise InvalidArgumentError(
            f"filters must be a list of tuples or of lists of tuples, got {type(filters).__name__}"
        )
    if filters and all(isinstance(f, list) for f in filters):
        return _check_limits(Or(tuple(And(tuple(_from_tuple(t) for t in group)) for group in filters)))
    return _check_limits(And(tuple(_from_tuple(t) for t in filters)))


def filter_fields(expr: Expr | None) -> list[str]:
    """Names of the fields a filter reads, in first-use order."""
    if expr is None:
        return []
    if isinstance(expr, Comparison):
        return [expr.field]
    names: list[str] = []
    for child in expr.children:
        names += [n for n in filter_fields(child) if n not in names]
    return names


_EPOCH = _dt.date(1970, 1, 1)


def _native_literal(value: Literal, field: str) -> Any:
    """A literal as the engine takes it (the engine checks what it can hold: 64-bit integers, valid text)."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return ("date", (value - _EPOCH).days)
    if isinstance(value, (str, bool, int, float)):
        return value
    raise InvalidArgumentError(f"unsupported filter value {value!r} for {field} (use str, int, float, bool or date)")


def to_native(expr: Expr) -> tuple[Any, ...]:
    """The plain-tuple form the engine binding takes."""
    if isinstance(expr, Comparison):
        return ("cmp", expr.field, expr.op, [_native_literal(v, expr.field) for v in expr.values])
    kind = "and" if isinstance(expr, And) else "or"
    return (kind, [to_native(c) for c in expr.children])


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

    def parse(self) -> Expr:
        expr = self.or_expr()
        if self.peek() is not None:
            raise InvalidArgumentError(f"--where: unexpected {self.peek()[1]!r} in {self.text!r}")  # type: ignore[index]
        return expr

    def or_expr(self) -> Expr:
        children = [self.and_expr()]
        while self.keyword("or"):
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Expr:
        children = [self.atom()]
        while self.keyword("and"):
            children.append(self.atom())
        return children[0] if len(children) == 1 else And(tuple(children))

    def atom(self) -> Expr:
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
            return Comparison(field, "not_null" if negated else "is_null")
        if self.keyword("not"):
            self.expect("word", "in")
            return Comparison(field, "not in", self.value_list())
        if self.keyword("in"):
            return Comparison(field, "in", self.value_list())
        if self.keyword("starts_with", "startswith"):
            return Comparison(field, "starts_with", (self.value(),))
        op = self.expect("op")
        return Comparison(field, op, (self.value(),))

    def value_list(self) -> tuple[Literal, ...]:
        self.expect("punct", "(")
        values = [self.value()]
        while self.peek() == ("punct", ","):
            self.take()
            values.append(self.value())
        self.expect("punct", ")")
        return tuple(values)

    def value(self) -> Literal:
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


def parse_where(text: str) -> Expr:
    """Parses a ``--where`` expression such as ``SEXO = '3' and IDADE_ANOS >= 60``.

    Grammar: comparisons ``FIELD op value`` (op: ``= == != <> < <= > >=``), ``FIELD in (v, ...)``,
    ``FIELD not in (...)``, ``FIELD is null``, ``FIELD is not null``, ``FIELD starts_with 'I2'``, combined
    with ``and`` / ``or`` and parentheses (``and`` binds tighter). Values: quoted strings (``'...'`` or
    ``"..."``), numbers, ``true`` / ``false``, ``date 'YYYY-MM-DD'``. Keywords are case-insensitive; field
    names are kept as written.
    """
    return _check_limits(_WhereParser(text).parse())


__all__ = [
    "MAX_DEPTH",
    "MAX_VALUES",
    "OPERATORS",
    "And",
    "Comparison",
    "Expr",
    "Literal",
    "Or",
    "comparison",
    "filter_fields",
    "normalize_filters",
    "parse_where",
    "to_native",
]
