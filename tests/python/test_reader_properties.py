"""Property tests: random DBFs read like a plain Python decoding; pushed-down filters select exactly the
rows that filtering the fully read table in pyarrow selects."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import operator
import types
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from dbf_factory import Dbf, Field, decode_cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arrow_sus

NUMBER_BYTES = st.text(alphabet="0123456789 -+.e*x", max_size=20).map(str.encode)
DATE_BYTES = st.one_of(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)).map(
        lambda d: d.strftime("%Y%m%d").encode()
    ),
    st.text(alphabet="0123456789 /", max_size=8).map(str.encode),
)
TEXT_BYTES = st.binary(max_size=12).map(lambda b: b.replace(b"\x1a", b"z"))
LOGICAL_BYTES = st.sampled_from([b"T", b"F", b"t", b"f", b"Y", b"N", b"?", b" ", b"X", b"1"])


@st.composite
def fields(draw: Any) -> Field:
    kind = draw(st.sampled_from("CNNFDL"))
    if kind == "C":
        return Field("", "C", draw(st.integers(1, 12)))
    if kind in "NF":
        width = draw(st.integers(1, 20))
        decimals = draw(st.integers(0, min(width - 1, 6))) if width > 1 else 0
        return Field("", kind, width, decimals)
    if kind == "D":
        return Field("", "D", 8)
    return Field("", "L", 1)


def cell_strategy(f: Field) -> st.SearchStrategy[bytes]:
    return {"C": TEXT_BYTES, "N": NUMBER_BYTES, "F": NUMBER_BYTES, "D": DATE_BYTES, "L": LOGICAL_BYTES}[f.type]


@st.composite
def dbfs(draw: Any) -> Dbf:
    layout = draw(st.lists(fields(), min_size=1, max_size=6))
    for i, f in enumerate(layout):
        f.name = f"F{i}"
    n = draw(st.integers(0, 40))
    records = [[draw(cell_strategy(f)) for f in layout] for _ in range(n)]
    deleted = draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n // 3)) if n else set()
    return Dbf(layout, records, deleted=deleted)


def _comparable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value)
    return value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dbfs(), st.integers(1, 7), st.booleans(), st.booleans())
def test_random_dbfs_read_like_the_python_decoding(
    dbf: Dbf, batch_size: int, use_threads: bool, large_strings: bool
) -> None:
    table = arrow_sus.read_dbf(dbf.build(), batch_size=batch_size, use_threads=use_threads, large_strings=large_strings)
    live = [r for i, r in enumerate(dbf.records) if i not in dbf.deleted]
    assert table.num_rows == len(live)
    for f in dbf.fields:
        got = [_comparable(v) for v in table.column(f.name).to_pylist()]
        want = []
        for r in live:
            cell = r[dbf.fields.index(f)][: f.width]
            padded = cell.ljust(f.width) if f.type == "C" else cell.rjust(f.width)
            want.append(decode_cell(f, padded))
        assert got == want, f


# ---- filters ----

PEOPLE_FIELDS = [Field("ID", "N", 5), Field("SEXO", "C", 1), Field("IDADE", "N", 3), Field("DIAG", "C", 4),
                 Field("VAL", "N", 8, 2), Field("DT", "D", 8), Field("OK", "L", 1)]  # fmt: skip
SEXOS = [b"1", b"2", b"3", b"", b"9"]
DIAGS = [b"I21", b"I219", b"J18", b"A09", b"", b"I10"]


@st.composite
def people(draw: Any) -> bytes:
    n = draw(st.integers(0, 60))
    rows = []
    for i in range(n):
        rows.append(
            [
                str(i).encode(),
                draw(st.sampled_from(SEXOS)),
                draw(st.sampled_from([b"", b"***", *[str(a).encode() for a in range(0, 100, 7)]])),
                draw(st.sampled_from(DIAGS)),
                draw(st.sampled_from([b"", b"1.50", b"-2.25", b"10", b"0.10", b"99.99"])),
                draw(st.sampled_from([b"", b"20200101", b"20211231", b"20200230", b"20190615"])),
                draw(st.sampled_from([b"T", b"F", b"?"])),
            ]
        )
    return Dbf(PEOPLE_FIELDS, rows).build()


def literal_for(field: str) -> st.SearchStrategy[Any]:
    return {
        "ID": st.integers(-1, 61),
        "SEXO": st.sampled_from(["1", "2", "3", "9", "0"]),
        "IDADE": st.one_of(st.integers(-1, 100), st.floats(-1, 100, allow_nan=False)),
        "DIAG": st.sampled_from(["I21", "I219", "J18", "A09", "I10", "Z"]),
        "VAL": st.one_of(st.floats(-3, 100, allow_nan=False), st.sampled_from([1.5, 0.1, 10, -2.25])),
        "DT": st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2022, 1, 1)),
        "OK": st.booleans(),
    }[field]


@st.composite
def comparisons(draw: Any) -> tuple[Any, ...]:
    field = draw(st.sampled_from([f.name for f in PEOPLE_FIELDS]))
    ops = ["=", "!=", "in", "not in", "is_null", "not_null"]
    if field != "OK":
        ops += ["<", "<=", ">", ">="]
    if field in ("SEXO", "DIAG"):
        ops.append("starts_with")
    op = draw(st.sampled_from(ops))
    if op in ("is_null", "not_null"):
        return (field, op)
    if op in ("in", "not in"):
        return (field, op, draw(st.lists(literal_for(field), max_size=3)))
    if op == "starts_with":
        return (field, op, draw(st.sampled_from(["I2", "I", "J1", "", "X"])))
    return (field, op, draw(literal_for(field)))


def trees(depth: int = 2) -> st.SearchStrategy[Any]:
    """Filter trees: ("cmp", (field, op[, value])), ("and", [tree, ...]) or ("or", [tree, ...])."""
    leaf = comparisons().map(lambda c: ("cmp", c))
    if depth == 0:
        return leaf
    sub = trees(depth - 1)
    return st.one_of(
        leaf,
        st.lists(sub, max_size=3).map(lambda cs: ("and", cs)),
        st.lists(sub, max_size=3).map(lambda cs: ("or", cs)),
    )


def expression(tree: Any) -> pc.Expression:
    """The filter a tree stands for, as the Arrow expression the reader takes."""
    kind, body = tree
    if kind == "cmp":
        return arrow_sus.filters.comparison(*body)
    children = [expression(child) for child in body]
    if not children:
        return pc.scalar(kind == "and")
    return functools.reduce(operator.and_ if kind == "and" else operator.or_, children)


def _literal_array(values: Any, type_: pa.DataType) -> pa.Array:
    return pa.array(list(values), type=type_)


def mask(table: pa.Table, tree: Any) -> pa.ChunkedArray | pa.Array:
    """Evaluates a filter tree on a fully read table with pyarrow.compute (nulls never match)."""
    n = table.num_rows
    kind, body = tree
    if kind == "and":
        out = pa.array([True] * n, type=pa.bool_())
        for child in body:
            out = pc.and_(out, mask(table, child))
        return out
    if kind == "or":
        out = pa.array([False] * n, type=pa.bool_())
        for child in body:
            out = pc.or_(out, mask(table, child))
        return out
    field, op, values = body[0], body[1], (body[2] if len(body) == 3 else None)
    expr = types.SimpleNamespace(field=field, op=op, values=values if op in ("in", "not in") else (values,))
    col = table.column(expr.field)
    op = expr.op
    if op == "is_null":
        return pc.is_null(col)
    if op == "not_null":
        return pc.is_valid(col)
    if op in ("in", "not in"):
        if pa.types.is_integer(col.type) or pa.types.is_floating(col.type):  # compare 14 with 14.5 exactly
            col = pc.cast(col, pa.float64())
        found = pc.is_in(col, value_set=_literal_array(expr.values, col.type))
        result = found if op == "in" else pc.invert(found)
        return pc.and_(pc.fill_null(result, False), pc.is_valid(col))
    value = expr.values[0]
    if op == "starts_with":
        return pc.fill_null(pc.starts_with(col, value), False)
    scalar = pa.scalar(value, type=pa.float64() if isinstance(value, float) else col.type)
    fn = {"=": pc.equal, "!=": pc.not_equal, "<": pc.less, "<=": pc.less_equal, ">": pc.greater,
          ">=": pc.greater_equal}[op]  # fmt: skip
    return pc.fill_null(fn(col, scalar), False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people(), trees(), st.integers(1, 16))
def test_pushed_down_filters_equal_filtering_after_reading(data: bytes, expr: Any, batch_size: int) -> None:
    full = arrow_sus.read_dbf(data)
    expected = full.filter(mask(full, expr)).column("ID").to_pylist()
    got = arrow_sus.read_dbf(data, columns=["ID"], filters=expression(expr), batch_size=batch_size)
    assert got.column("ID").to_pylist() == expected
