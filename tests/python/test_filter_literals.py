"""Filter values the engine cannot hold (ints beyond int64, text with lone surrogates) and trees nested too
deep are InvalidArgumentErrors naming the field and the value; the native layer checks what it is given itself
(malformed bytes, nesting)."""

from __future__ import annotations

from typing import Any

import pyarrow.compute as pc
import pytest
from dbf_factory import Dbf, Field

import arrow_sus
from arrow_sus._native import _core
from arrow_sus.filters import serialize

DATA = Dbf([Field("NOME", "C", 4), Field("IDADE", "N", 3)], [[b"ana", b"30"], [b"rui", b"70"]]).build()


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_integers_beyond_int64_name_the_field_and_the_value(value: int) -> None:
    with pytest.raises(arrow_sus.InvalidArgumentError, match=str(value)) as err:
        arrow_sus.read_dbf(DATA, filters=[("IDADE", "=", value)])
    assert err.value.field == "IDADE"
    assert arrow_sus.read_dbf(DATA, filters=[("IDADE", "<", 2**63 - 1)]).num_rows == 2


def test_text_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(arrow_sus.InvalidArgumentError, match="lone surrogate") as err:
        arrow_sus.read_dbf(DATA, filters=[("NOME", "=", "an\udc80")])
    assert err.value.field == "NOME"
    with pytest.raises(arrow_sus.InvalidArgumentError):
        arrow_sus.read_dbf(DATA, filters=[("NOME", "in", ["ana", "\ud800"])])


def open_native(filter_bytes: Any) -> Any:
    """The engine's reader given a filter as bytes (no Python-side checks)."""
    return _core.open_dbf(
        DATA,
        "<bytes>",
        _core.ReadOptions(batch_size=100, use_threads=False),
        columns=None,
        filter=filter_bytes,
        verify_crc=False,
        dataset="",
        typed=True,
        labels="codes",
        codes_as="dictionary",
        label_language="pt",
    )


def nested(depth: int) -> bytes:
    """A filter `depth` levels deep: alternating ANDs and ORs around one comparison."""
    leaf = pc.field("IDADE") > 18
    node = leaf
    for level in range(depth - 1):
        node = (node & leaf) if level % 2 else (node | leaf)
    return serialize(node)


def test_native_nesting_is_limited_to_64_levels() -> None:
    open_native(nested(64))
    with pytest.raises(arrow_sus.InvalidArgumentError, match="more than 64 levels"):
        open_native(nested(65))
    with pytest.raises(arrow_sus.InvalidArgumentError, match="more than 64 levels"):
        open_native(nested(2_000))


@pytest.mark.parametrize("node", [b"", b"not an expression", "IDADE > 18", ("cmp", "IDADE", ">", [18]), 42])
def test_malformed_native_filters_are_invalid_arguments(node: Any) -> None:
    with pytest.raises(arrow_sus.InvalidArgumentError):
        open_native(node)
