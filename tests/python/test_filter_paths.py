"""One filter, two paths: the raw-byte predicate the engine derives from an Arrow expression keeps exactly the
rows Arrow keeps when it evaluates the same expression on the converted columns.

Random trees of field / operator / literal (literals of each column's own type, so that Arrow's semantics and
the reader's coincide) over a generated DBF are read three ways: pushed to the raw bytes (the expression as
given), with the raw-byte predicate forced off (the same expression wrapped in ``if_else``, which the engine
cannot derive, so Arrow evaluates it after conversion, inside the engine), and by pyarrow on the whole table.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from dbf_factory import Dbf, Field
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arrow_sus
from arrow_sus._native import _core
from arrow_sus.filters import serialize

FIELDS = [Field("ID", "N", 5), Field("SEXO", "C", 1), Field("IDADE", "N", 3), Field("DIAG", "C", 4),
          Field("VAL", "N", 8, 2), Field("DT", "D", 8), Field("OK", "L", 1)]  # fmt: skip
CELLS = {
    "SEXO": [b"1", b"2", b"3", b"", b"9"],
    "IDADE": [b"0", b"5", b"60", b"61", b"99", b"", b"-3", b"x1"],
    "DIAG": [b"I21", b"I219", b"J18", b"A09", b"", b"I10", b"i21"],
    "VAL": [b"", b"1.50", b"-2.25", b"10", b"0.10", b"99.99", b"**"],
    "DT": [b"", b"20200101", b"20211231", b"20200230", b"20190615"],
    "OK": [b"T", b"F", b"?", b" "],
}
LITERALS: dict[str, st.SearchStrategy[Any]] = {
    "ID": st.integers(-1, 61),
    "SEXO": st.sampled_from(["1", "2", "3", "9", "0"]),
    "IDADE": st.integers(-5, 100),
    "DIAG": st.sampled_from(["I21", "I219", "J18", "A09", "I10", "Z", "i21"]),
    "VAL": st.sampled_from([1.5, 0.1, 10.0, -2.25, 99.99, 0.0]),
    "DT": st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2022, 1, 1)),
    "OK": st.booleans(),
}
TYPES = {"ID": pa.int64(), "SEXO": pa.utf8(), "IDADE": pa.int64(), "DIAG": pa.utf8(), "VAL": pa.float64(),
         "DT": pa.date32(), "OK": pa.bool_()}  # fmt: skip
COMPARE = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


@st.composite
def dbfs(draw: Any) -> bytes:
    n = draw(st.integers(0, 60))
    rows = [[str(i).encode()] + [draw(st.sampled_from(CELLS[f.name])) for f in FIELDS[1:]] for i in range(n)]
    return Dbf(FIELDS, rows).build()


def literal(name: str, value: Any) -> pc.Expression:
    return pc.scalar(pa.scalar(value, TYPES[name]))


@st.composite
def leaves(draw: Any) -> pc.Expression:
    name = draw(st.sampled_from([f.name for f in FIELDS]))
    column = pc.field(name)
    kinds = ["compare", "mirrored", "in", "not in", "valid and not in", "is_null", "is_valid", "not is_null"]
    if name in ("SEXO", "DIAG"):
        kinds.append("starts_with")
    kind = draw(st.sampled_from(kinds))
    if kind in ("compare", "mirrored"):
        compare = draw(st.sampled_from(COMPARE[:2] if name == "OK" else COMPARE))
        value = literal(name, draw(LITERALS[name]))
        return compare(column, value) if kind == "compare" else compare(value, column)
    if kind in ("in", "not in", "valid and not in"):
        values = pa.array(draw(st.lists(LITERALS[name], min_size=1, max_size=3)), TYPES[name])
        found = pc.is_in(column, value_set=values)
        return {"in": found, "not in": ~found, "valid and not in": column.is_valid() & ~found}[kind]
    if kind == "starts_with":
        return pc.starts_with(column, pattern=draw(st.sampled_from(["I2", "I", "J1", "", "X"])))
    return {"is_null": column.is_null(), "is_valid": column.is_valid(), "not is_null": ~column.is_null()}[kind]


def trees(depth: int = 3) -> st.SearchStrategy[pc.Expression]:
    if depth == 0:
        return leaves()
    sub = trees(depth - 1)
    return st.one_of(
        leaves(),
        st.lists(sub, min_size=1, max_size=3).map(lambda cs: functools.reduce(operator.and_, cs)),
        st.lists(sub, min_size=1, max_size=3).map(lambda cs: functools.reduce(operator.or_, cs)),
    )


def ids(data: bytes, filters: pc.Expression) -> list[int]:
    return arrow_sus.read_dbf(data, columns=["ID"], filters=filters, batch_size=7).column("ID").to_pylist()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dbfs(), trees())
def test_raw_byte_predicate_keeps_the_rows_arrow_keeps(data: bytes, expr: pc.Expression) -> None:
    assert _core.filter_fields(serialize(expr))  # the engine reads it (nesting within limits)
    on_bytes = ids(data, expr)
    forced_off = ids(data, pc.if_else(expr, True, False))  # not derivable: Arrow after conversion
    full = arrow_sus.read_dbf(data)
    by_pyarrow = full.filter(expr).column("ID").to_pylist()
    assert on_bytes == forced_off == by_pyarrow


def test_the_wrapped_filter_is_not_pushed_to_the_bytes() -> None:
    """What makes the differential meaningful: the statistics show where each form was evaluated."""
    data = Dbf(FIELDS[:2], [[b"1", b"1"], [b"2", b"3"], [b"3", b"3"]]).build()
    expr = pc.field("SEXO") == "3"
    reader = arrow_sus.open_dbf(data, filters=expr)
    reader.read_all()
    pushed = arrow_sus.reader_stats(reader)
    reader = arrow_sus.open_dbf(data, filters=pc.if_else(expr, True, False))
    assert reader.read_all().column("ID").to_pylist() == [2, 3]
    after = arrow_sus.reader_stats(reader)
    assert pushed["rows_filtered_out"] == 1
    assert after["rows_filtered_out"] == 0  # every record converted, then filtered by Arrow
