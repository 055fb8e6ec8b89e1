"""Translate a Polars predicate into arrow-sus native filters, so it runs on the raw DBF bytes.

Polars hands an IO plugin its predicate as a ``pl.Expr``. The supported part of it (comparisons of a column
with a literal, ``is_in``, ``is_null``, ``is_not_null``, ``str.starts_with``, ``is_between``, combined with
``&`` and ``|``) is translated to filters in the pyarrow.parquet convention: a list of OR-ed lists of AND-ed
``(column, op, value)`` tuples. What cannot be translated is simply not pushed down: the translation of an
AND keeps its translatable side (a superset of the rows), and the IO source always re-applies the full Polars
predicate to what the native reader returns, so results are exact either way.

The expression is read through ``Expr.meta.serialize(format="json")``. Its layout is Polars-internal, so
every node this module does not recognise makes that subtree "not pushable" instead of failing.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any

import polars as pl
import pyarrow as pa

Filter = tuple[str, str, Any]
#: Disjunctive normal form: OR over AND-ed filter lists.
Dnf = list[list[Filter]]

_COMPARISONS = {"Eq": "=", "NotEq": "!=", "Lt": "<", "LtEq": "<=", "Gt": ">", "GtEq": ">="}
_MIRRORED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_EPOCH = _dt.date(1970, 1, 1)
#: Past this many OR-ed terms the DNF is not worth evaluating natively (it grows multiplicatively).
_MAX_TERMS = 64


class _NotPushable(Exception):
    """Raised inside the translation for a node that has no native equivalent."""


def polars_to_filters(predicate: pl.Expr | None) -> Dnf | None:
    """The native filters equivalent to, or implied by, a Polars predicate.

    Args:
        predicate: the predicate Polars passes to an IO source, or ``None``.

    Returns:
        Filters in the pyarrow.parquet DNF convention that every row matching ``predicate`` also matches,
        or ``None`` when nothing can be pushed down. The caller must still apply ``predicate`` itself.
    """
    if predicate is None:
        return None
    try:
        node = json.loads(predicate.meta.serialize(format="json"))
    except Exception:  # an expression Polars cannot serialise: push nothing down
        return None
    try:
        return _implied(node)
    except _NotPushable:
        return None


def _implied(node: dict[str, Any]) -> Dnf:
    """A DNF implied by the node: exact where possible; for AND, the pushable side alone is enough."""
    binary = node.get("BinaryExpr")
    if binary is not None and binary["op"] in ("And", "LogicalAnd"):
        sides = []
        for side in (binary["left"], binary["right"]):
            try:
                sides.append(_implied(side))
            except _NotPushable:
                continue
        if not sides:
            raise _NotPushable
        return sides[0] if len(sides) == 1 else _and(sides[0], sides[1])
    return _exact(node)


def _exact(node: dict[str, Any]) -> Dnf:
    """A DNF equivalent to the node, or _NotPushable."""
    if "BinaryExpr" in node:
        binary = node["BinaryExpr"]
        op = binary["op"]
        if op in ("And", "LogicalAnd"):
            return _and(_exact(binary["left"]), _exact(binary["right"]))
        if op in ("Or", "LogicalOr"):
            dnf = _exact(binary["left"]) + _exact(binary["right"])
            if len(dnf) > _MAX_TERMS:
                raise _NotPushable
            return dnf
        if op in _COMPARISONS:
            return [[_comparison(binary["left"], _COMPARISONS[op], binary["right"])]]
        raise _NotPushable
    if "Function" in node:
        return [_function(node["Function"])]
    raise _NotPushable


def _and(left: Dnf, right: Dnf) -> Dnf:
    product = [a + b for a in left for b in right]
    if len(product) > _MAX_TERMS:
        raise _NotPushable
    return product


def _comparison(left: dict[str, Any], op: str, right: dict[str, Any]) -> Filter:
    if "Column" in left:
        return (left["Column"], op, _literal(right))
    if "Column" in right:
        return (right["Column"], _MIRRORED[op], _literal(left))
    raise _NotPushable


def _function(function: dict[str, Any]) -> list[Filter]:
    """One AND-term for a supported function call."""
    name = function["function"]
    args = function["input"]
    column = args[0].get("Column") if args else None
    if name == {"StringExpr": "StartsWith"} and column is not None:
        prefix = _literal(args[1])
        if not isinstance(prefix, str):
            raise _NotPushable
        return [(column, "starts_with", prefix)]
    boolean = name.get("Boolean") if isinstance(name, dict) else None
    if boolean == "IsNull" and column is not None:
        return [(column, "is_null", None)]
    if boolean == "IsNotNull" and column is not None:
        return [(column, "not_null", None)]
    if isinstance(boolean, dict) and "IsIn" in boolean and column is not None:
        values = _literal(args[1])
        if not isinstance(values, list) or None in values:
            raise _NotPushable
        return [(column, "in", values)]
    if isinstance(boolean, dict) and "IsBetween" in boolean and column is not None:
        closed = boolean["IsBetween"].get("closed", "Both")
        low_op = ">=" if closed in ("Both", "Left") else ">"
        high_op = "<=" if closed in ("Both", "Right") else "<"
        return [(column, low_op, _literal(args[1])), (column, high_op, _literal(args[2]))]
    if boolean == "Not" and len(args) == 1:
        return [_negated(args[0])]
    raise _NotPushable


def _negated(node: dict[str, Any]) -> Filter:
    """The single filter equivalent to NOT node, for the few node kinds where that is one filter."""
    function = node.get("Function")
    if function is None:
        raise _NotPushable
    terms = _function(function)
    if len(terms) != 1:
        raise _NotPushable
    column, op, value = terms[0]
    negations = {"is_null": "not_null", "not_null": "is_null", "in": "not in"}
    if op not in negations:
        raise _NotPushable
    return (column, negations[op], value)


def _literal(node: dict[str, Any]) -> Any:
    """The Python value of a literal node (None literals are not pushable: comparisons with null are null)."""
    literal = node.get("Literal")
    if literal is None:
        raise _NotPushable
    ((kind, payload),) = literal.items()
    if kind == "Dyn":
        ((_, value),) = payload.items()
        return value
    if kind != "Scalar" or not isinstance(payload, dict):
        raise _NotPushable
    ((dtype, value),) = payload.items()
    if dtype == "Null" or value is None:
        raise _NotPushable
    if dtype == "Date":
        return _EPOCH + _dt.timedelta(days=value)
    if dtype == "List":
        # A list literal (is_in) is serialised as an Arrow IPC stream holding one column.
        table = pa.ipc.open_stream(bytes(value)).read_all()
        return table.column(0).to_pylist()
    if dtype in ("String", "Boolean", "Float32", "Float64") or dtype.startswith(("Int", "UInt")):
        return value
    raise _NotPushable
