"""The filter forms (parquet-style lists, --where text, pyarrow expressions) build the same Arrow expression."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from arrow_sus import errors
from arrow_sus.filters import filter_fields, normalize_filters, parse_where


def same(a: pc.Expression, b: pc.Expression) -> bool:
    return a.equals(b)


def isin(field: str, values: list, type_: pa.DataType) -> pc.Expression:
    return pc.is_in(pc.field(field), value_set=pa.array(values, type_))


def test_parquet_style_lists() -> None:
    assert normalize_filters(None) is None
    assert same(
        normalize_filters([("SEXO", "=", "3"), ("IDADE", ">=", 60)]),
        (pc.field("SEXO") == "3") & (pc.field("IDADE") >= 60),
    )
    assert same(
        normalize_filters([[("UF", "==", "SP")], [("UF", "in", ["RJ", "MG"])]]),
        (pc.field("UF") == "SP") | isin("UF", ["RJ", "MG"], pa.utf8()),
    )
    assert same(normalize_filters([("X", "is_null")]), pc.field("X").is_null())
    assert same(normalize_filters([("X", "not_null", None)]), pc.field("X").is_valid())
    expression = pc.field("X").isin([1, 2])
    assert normalize_filters(expression) is expression


@pytest.mark.parametrize(
    "bad",
    [[("X", "~", 1)], [("X", "in", "abc")], [("X", "=")], "X =", [["X", "=", 1]], 42, [("X", "is_null", 1)]],
)
def test_malformed_filters(bad: object) -> None:
    with pytest.raises(errors.InvalidArgumentError):
        normalize_filters(bad)


def test_where_language() -> None:
    assert same(parse_where("SEXO = '3' and IDADE >= 60"), (pc.field("SEXO") == "3") & (pc.field("IDADE") >= 60))
    expr = parse_where(
        "(UF in ('SP', \"RJ\") OR uf_x is null) AND DIAG starts_with 'I2' and not_a not in (1, 2.5) "
        "and D < date '2020-01-31' and OK = true and N <> -3 and S = 'it''s'"
    )
    not_a = pc.field("not_a")
    expected = (
        (isin("UF", ["SP", "RJ"], pa.utf8()) | pc.field("uf_x").is_null())
        & pc.starts_with(pc.field("DIAG"), pattern="I2")
        & (not_a.is_valid() & ~isin("not_a", [1, 2.5], pa.float64()))
        & (pc.field("D") < pc.scalar(pa.scalar(dt.date(2020, 1, 31), pa.date32())))
        & (pc.field("OK") == True)  # noqa: E712
        & (pc.field("N") != -3)
        & (pc.field("S") == "it's")
    )
    assert same(expr, expected), str(expr)
    assert same(
        parse_where("a = 1 or b = 2 and c = 3"),
        (pc.field("a") == 1) | ((pc.field("b") == 2) & (pc.field("c") == 3)),
    )
    assert filter_fields(expr) == ["UF", "uf_x", "DIAG", "not_a", "D", "OK", "N", "S"]
    assert same(parse_where("X is not null"), pc.field("X").is_valid())


@pytest.mark.parametrize("text", ["", "A", "A = ", "A = 1 and", "(A = 1", "A = 1)", "A ! 1", "A = date 5", "A in 1"])
def test_where_syntax_errors(text: str) -> None:
    with pytest.raises(errors.InvalidArgumentError):
        parse_where(text)


def test_the_engine_takes_arrows_own_serialization() -> None:
    """No tuple encoding of our own: the bytes are those pickling a pc.Expression produces."""
    import pickle

    from arrow_sus.filters import serialize

    expr = parse_where("A = 'x' or D >= date '1970-01-02'")
    data = serialize(expr)
    assert isinstance(data, bytes)
    assert pickle.loads(pickle.dumps(expr)).equals(expr)
    assert filter_fields(expr) == ["A", "D"]


def test_filters_have_limits_with_clear_errors() -> None:
    from arrow_sus.filters import MAX_DEPTH, MAX_VALUES

    many = parse_where("X in (" + ",".join(map(str, range(MAX_VALUES))) + ")")  # the tokenizer is linear
    assert filter_fields(many) == ["X"]
    with pytest.raises(errors.InvalidArgumentError, match="more than 200,000 values"):
        parse_where("X in (" + ",".join(map(str, range(MAX_VALUES + 1))) + ")")
    with pytest.raises(errors.InvalidArgumentError, match="more than 200,000 values"):
        normalize_filters([("X", "in", list(range(MAX_VALUES))), ("Y", "=", 1)])
    with pytest.raises(errors.InvalidArgumentError, match="64 levels"):
        parse_where("(" * 100 + "X = 1" + ")" * 100)
    leaf = pc.field("X") == 1
    deep = leaf
    for level in range(1_000):  # built by hand: still a typed error, not a crash
        deep = (deep & leaf) if level % 2 else (deep | leaf)
    with pytest.raises(errors.InvalidArgumentError, match=f"more than {MAX_DEPTH} levels"):
        normalize_filters(deep)
    chain = leaf
    for _ in range(1_000):  # a & b & c ...: one level, however long
        chain = chain & leaf
    assert normalize_filters(chain) is chain


def test_numbers_too_long_for_python_are_a_where_error() -> None:
    with pytest.raises(errors.InvalidArgumentError, match="too long"):
        parse_where("X = " + "9" * 5000)
