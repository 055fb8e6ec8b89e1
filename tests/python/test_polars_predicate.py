"""The Polars → native filter translation keeps every row the Polars predicate keeps (and exactly those,
where the predicate is fully translatable)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")

from arrow_sus._polars_predicate import polars_to_filters  # noqa: E402

FRAME = pl.DataFrame(
    {
        "SEXO": ["1", "3", "3", None, "1", "3"],
        "IDADE": [10, 65, 70, 80, None, 59],
        "DIAG": ["I21", "I20", "J18", "I10", "A00", None],
        "DT": [dt.date(2020, 1, d) for d in range(1, 7)],
    }
)


def _native(filters):
    """Evaluate DNF filters the way pyarrow.parquet does, with starts_with added."""
    table = FRAME.to_arrow()

    def term(col, op, value):
        c = pc.field(col)
        if op == "starts_with":
            return pc.starts_with(c, value)
        if op == "is_null":
            return c.is_null()
        if op == "not_null":
            return c.is_valid()
        return pq.filters_to_expression([[(col, op, value)]])

    expr = None
    for conj in filters:
        e = None
        for f in conj:
            e = term(*f) if e is None else e & term(*f)
        expr = e if expr is None else expr | e
    return table.filter(expr)


EXACT = [
    (pl.col("SEXO") == "3", [[("SEXO", "=", "3")]]),
    ((pl.col("SEXO") == "3") & (pl.col("IDADE") >= 60), [[("SEXO", "=", "3"), ("IDADE", ">=", 60)]]),
    (pl.lit(60) <= pl.col("IDADE"), [[("IDADE", ">=", 60)]]),
    (pl.col("DIAG").str.starts_with("I2"), [[("DIAG", "starts_with", "I2")]]),
    (pl.col("SEXO").is_in(["1", "3"]), [[("SEXO", "in", ["1", "3"])]]),
    (~pl.col("SEXO").is_in(["1"]), [[("SEXO", "not in", ["1"])]]),
    (pl.col("SEXO").is_null(), [[("SEXO", "is_null", None)]]),
    (~pl.col("SEXO").is_null(), [[("SEXO", "not_null", None)]]),
    (pl.col("IDADE").is_between(60, 70), [[("IDADE", ">=", 60), ("IDADE", "<=", 70)]]),
    (pl.col("DT") > dt.date(2020, 1, 3), [[("DT", ">", dt.date(2020, 1, 3))]]),
    ((pl.col("SEXO") == "1") | (pl.col("IDADE") < 20), [[("SEXO", "=", "1")], [("IDADE", "<", 20)]]),
]


@pytest.mark.parametrize(("expr", "expected"), EXACT)
def test_exact_translation(expr, expected) -> None:
    assert polars_to_filters(expr) == expected


def test_untranslatable_and_side_is_dropped() -> None:
    expr = (pl.col("SEXO") == "3") & (pl.col("IDADE") * 2 > 100)
    assert polars_to_filters(expr) == [[("SEXO", "=", "3")]]


def test_untranslatable_or_pushes_nothing() -> None:
    assert polars_to_filters((pl.col("SEXO") == "3") | (pl.col("IDADE") * 2 > 100)) is None
    assert polars_to_filters(None) is None
    assert polars_to_filters(pl.col("SEXO") == pl.col("DIAG")) is None


LEAVES = st.sampled_from(
    [
        pl.col("SEXO") == "3",
        pl.col("SEXO") != "1",
        pl.col("IDADE") >= 60,
        pl.col("IDADE") < 65,
        pl.col("DIAG").str.starts_with("I"),
        pl.col("DIAG").is_in(["I21", "J18"]),
        pl.col("IDADE").is_null(),
        pl.col("IDADE") % 2 == 0,  # not translatable
        pl.col("DT") <= dt.date(2020, 1, 4),
    ]
)
PREDICATES = st.recursive(
    LEAVES,
    lambda kids: st.tuples(kids, kids, st.booleans()).map(lambda t: t[0] & t[1] if t[2] else t[0] | t[1]),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(PREDICATES)
def test_pushed_filters_keep_every_matching_row(predicate) -> None:
    filters = polars_to_filters(predicate)
    wanted = FRAME.filter(predicate)
    if filters is None:
        return
    pushed = pl.from_arrow(_native(filters))
    # Everything Polars keeps survives the native filter, and re-applying the predicate gives the same rows.
    assert pushed.filter(predicate).equals(wanted)
    assert len(pushed) >= len(wanted)


def test_list_literal_decoding() -> None:
    assert polars_to_filters(pl.col("IDADE").is_in([1, 2])) == [[("IDADE", "in", [1, 2])]]
    assert pa is not None
