"""The filter forms (parquet-style lists, expression objects, --where text) build the same tree."""

from __future__ import annotations

import datetime as dt

import pytest

from arrow_sus import errors
from arrow_sus.filters import And, Comparison, Or, filter_fields, normalize_filters, parse_where, to_native


def test_parquet_style_lists() -> None:
    assert normalize_filters(None) is None
    assert normalize_filters([("SEXO", "=", "3"), ("IDADE", ">=", 60)]) == And(
        (Comparison("SEXO", "=", ("3",)), Comparison("IDADE", ">=", (60,)))
    )
    assert normalize_filters([[("UF", "==", "SP")], [("UF", "in", ["RJ", "MG"])]]) == Or(
        (And((Comparison("UF", "=", ("SP",)),)), And((Comparison("UF", "in", ("RJ", "MG")),)))
    )
    assert normalize_filters([("X", "is_null")]) == And((Comparison("X", "is_null"),))
    assert normalize_filters([("X", "not_null", None)]) == And((Comparison("X", "not_null"),))


@pytest.mark.parametrize(
    "bad",
    [[("X", "~", 1)], [("X", "in", "abc")], [("X", "=")], "X =", [["X", "=", 1]], 42, [("X", "is_null", 1)]],
)
def test_malformed_filters(bad: object) -> None:
    with pytest.raises(errors.InvalidArgumentError):
        normalize_filters(bad)


def test_where_language() -> None:
    assert parse_where("SEXO = '3' and IDADE >= 60") == And(
        (Comparison("SEXO", "=", ("3",)), Comparison("IDADE", ">=", (60,)))
    )
    expr = parse_where(
        "(UF in ('SP', \"RJ\") OR uf_x is null) AND DIAG starts_with 'I2' and not_a not in (1, 2.5) "
        "and D < date '2020-01-31' and OK = true and N <> -3 and S = 'it''s'"
    )
    assert expr == And(
        (
            Or((Comparison("UF", "in", ("SP", "RJ")), Comparison("uf_x", "is_null"))),
            Comparison("DIAG", "starts_with", ("I2",)),
            Comparison("not_a", "not in", (1, 2.5)),
            Comparison("D", "<", (dt.date(2020, 1, 31),)),
            Comparison("OK", "=", (True,)),
            Comparison("N", "!=", (-3,)),
            Comparison("S", "=", ("it's",)),
        )
    )
    assert parse_where("a = 1 or b = 2 and c = 3") == Or(
        (Comparison("a", "=", (1,)), And((Comparison("b", "=", (2,)), Comparison("c", "=", (3,)))))
    )
    assert filter_fields(expr) == ["UF", "uf_x", "DIAG", "not_a", "D", "OK", "N", "S"]
    assert parse_where("X is not null") == Comparison("X", "not_null")


@pytest.mark.parametrize("text", ["", "A", "A = ", "A = 1 and", "(A = 1", "A = 1)", "A ! 1", "A = date 5", "A in 1"])
def test_where_syntax_errors(text: str) -> None:
    with pytest.raises(errors.InvalidArgumentError):
        parse_where(text)


def test_native_form() -> None:
    assert to_native(parse_where("A = 'x' or D >= date '1970-01-02'")) == (
        "or",
        [("cmp", "A", "=", ["x"]), ("cmp", "D", ">=", [("date", 1)])],
    )


def test_filters_have_limits_with_clear_errors() -> None:
    from arrow_sus.filters import MAX_DEPTH, MAX_VALUES

    many = parse_where("X in (" + ",".join(map(str, range(MAX_VALUES))) + ")")  # the tokenizer is linear
    assert len(many.values) == MAX_VALUES
    with pytest.raises(errors.InvalidArgumentError, match="more than 200,000 values"):
        parse_where("X in (" + ",".join(map(str, range(MAX_VALUES + 1))) + ")")
    with pytest.raises(errors.InvalidArgumentError, match="more than 200,000 values"):
        normalize_filters([("X", "in", list(range(MAX_VALUES))), ("Y", "=", 1)])
    with pytest.raises(errors.InvalidArgumentError, match="64 levels"):
        parse_where("(" * 100 + "X = 1" + ")" * 100)
    deep: Comparison | And = Comparison("X", "=", (1,))
    for _ in range(10_000):  # built by hand: still a typed error, not a RecursionError
        deep = And((deep,))
    with pytest.raises(errors.InvalidArgumentError, match=f"more than {MAX_DEPTH} levels"):
        normalize_filters(deep)


def test_numbers_too_long_for_python_are_a_where_error() -> None:
    with pytest.raises(errors.InvalidArgumentError, match="too long"):
        parse_where("X = " + "9" * 5000)
