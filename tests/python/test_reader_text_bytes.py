"""DBF headers whose field names and type bytes are not UTF-8: schema names are their Latin-1 text, and every
failure is a typed arrow_sus error (never a nanobind conversion error)."""

from __future__ import annotations

import struct
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arrow_sus


def raw_dbf(fields: list[tuple[bytes, bytes, int, int]], records: list[bytes], count: int | None = None) -> bytes:
    """A DBF from raw descriptor bytes: (name, type byte, width, decimals) per field, records as their bytes
    (deletion flag included). Names and types are written as they are: no encoding involved."""
    record_length = 1 + sum(width for _, _, width, _ in fields)
    header_length = 32 + 32 * len(fields) + 1
    n = len(records) if count is None else count
    out = bytearray(struct.pack("<BBBBIHH20x", 3, 124, 5, 17, n, header_length, record_length & 0xFFFF))
    for name, type_, width, decimals in fields:
        out += struct.pack("<11sc4xBB14x", name[:11], type_, width & 0xFF, decimals & 0xFF)
    out += b"\r"
    for record in records:
        out += record
    return bytes(out + b"\x1a")


def test_latin1_field_names_become_text_and_select_by_that_text() -> None:
    data = raw_dbf([(b"NA\xc7\xc3O", b"C", 4, 0), (b"\xff\xfe", b"N", 3, 0)], [b" ab   12", b" cd    7"])
    table = arrow_sus.read_dbf(data)
    assert table.column_names == ["NAÇÃO", "ÿþ"]
    assert arrow_sus.read_dbf(data, columns=["ÿþ"], filters=[("NAÇÃO", "=", "cd")]).to_pydict() == {"ÿþ": [7]}
    header = arrow_sus.reader_header(arrow_sus.open_dbf(data))
    assert [f[0] for f in header["fields"]] == ["NAÇÃO", "ÿþ"]


def test_a_non_ascii_type_byte_reads_as_binary_and_reports_as_text() -> None:
    data = raw_dbf([(b"X", b"\xe9", 2, 0)], [b" ab"])
    reader = arrow_sus.open_dbf(data)
    assert reader.schema.field("X").type == pa.binary()
    assert reader.schema.field("X").metadata[b"dbf.type"] == "é".encode()
    assert arrow_sus.reader_header(reader)["fields"] == [("X", "é", 2, 0)]


def test_errors_naming_a_latin1_field_are_typed() -> None:
    bad_width = raw_dbf([(b"\xe9T\xe9", b"C", 0, 0)], [b" "])
    with pytest.raises(arrow_sus.FormatError, match="field éTé has width 0"):
        arrow_sus.read_dbf(bad_width)
    number = raw_dbf([(b"ID\xc0DE", b"N", 3, 0)], [b" abc"])
    with pytest.raises(arrow_sus.ConversionError) as err:
        arrow_sus.read_dbf(number, on_invalid="raise")
    assert err.value.field == "IDÀDE"
    with pytest.raises(arrow_sus.InvalidArgumentError, match="IDÀDE"):
        arrow_sus.read_dbf(number, columns=["IDADE"])


@st.composite
def headers(draw: Any) -> bytes:
    """DBF bytes whose field names and type bytes are any bytes, with random records."""
    n = draw(st.integers(1, 4))
    fields = [
        (
            draw(st.binary(min_size=1, max_size=11)),
            draw(st.binary(min_size=1, max_size=1)),
            draw(st.integers(0, 12)),
            draw(st.integers(0, 4)),
        )
        for _ in range(n)
    ]
    record_length = 1 + sum(w for _, _, w, _ in fields)
    records = draw(st.lists(st.binary(min_size=record_length, max_size=record_length), max_size=4))
    records = [draw(st.sampled_from([b" ", b"*"])) + r[1:] for r in records]
    return raw_dbf(fields, records, count=draw(st.sampled_from([None, 0, len(records) + 1])))


def _check_schema(schema: pa.Schema) -> None:
    for name in schema.names:
        assert isinstance(name, str)
        name.encode("utf-8")  # no lone surrogates: the names are real text


def _read_every_way(data: bytes) -> None:
    try:
        reader = arrow_sus.open_dbf(data)
        _check_schema(reader.schema)
        header = arrow_sus.reader_header(reader)
        for name, type_, _, _ in header["fields"]:
            name.encode("utf-8")
            type_.encode("utf-8")
        reader.read_all()
    except arrow_sus.ArrowSusError:
        pass
    for options in ({}, {"raw": True}, {"on_invalid": "raise"}):
        try:
            table = arrow_sus.read_dbf(data, **options)
        except arrow_sus.ArrowSusError as err:
            str(err)
            assert err.field is None or isinstance(err.field, str)
            continue
        _check_schema(table.schema)
        first = table.column_names[0]
        assert arrow_sus.read_dbf(data, columns=[first], **options).column_names == [first]
        assert arrow_sus.read_dbf(data, filters=[(first, "is_null")], **options).num_rows <= table.num_rows
    try:
        dbc = arrow_sus.compress_dbf(data)
    except arrow_sus.ArrowSusError:
        return
    try:
        _check_schema(arrow_sus.read_dbc(dbc).schema)
    except arrow_sus.ArrowSusError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=headers())
def test_non_utf8_names_and_types_give_text_or_typed_errors(data: bytes) -> None:
    _read_every_way(data)
