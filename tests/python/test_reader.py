"""The DBF/DBC reader on crafted files: type rules, options, sources, stats, errors, interop."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path

import pyarrow as pa
import pytest
from dbf_factory import Dbf, Field

import arrow_sus
from arrow_sus import errors

TYPES = Dbf(
    fields=[
        Field("NAME", "C", 8),
        Field("SMALL", "N", 4),
        Field("BIG", "N", 12),
        Field("VAL", "N", 10, 2),
        Field("DT", "D", 8),
        Field("OK", "L", 1),
    ],
    records=[
        [b"0012", b"12", b"-12345678901", b"1.50", b"20240131", b"T"],
        [b"", b"", b"", b"", b"", b"?"],
        [b"Jo\xe3o", b"****", b"12a", b"1.2.3", b"20230230", b"X"],
        [b"  lead", b"-7", b"0", b"-0.05", b"00000000", b"f"],
    ],
    deleted={3},
)


def test_type_rules_and_values() -> None:
    t = arrow_sus.read_dbf(TYPES.build(), keep_deleted=True)
    assert t.schema.types == [
        pa.string(),
        pa.int32(),
        pa.int64(),
        pa.float64(),
        pa.date32(),
        pa.bool_(),
        pa.bool_(),
    ]
    assert t.column_names[-1] == "_deleted"
    assert t.to_pydict() == {
        "NAME": ["0012", None, "João", "  lead"],
        "SMALL": [12, None, None, -7],
        "BIG": [-12345678901, None, None, 0],
        "VAL": [1.5, None, None, -0.05],
        "DT": [dt.date(2024, 1, 31), None, None, None],
        "OK": [True, None, None, False],
        "_deleted": [False, False, False, True],
    }
    stats = arrow_sus.table_stats(t)
    assert stats["invalid_values"] == {"NAME": 0, "SMALL": 1, "BIG": 1, "VAL": 1, "DT": 1, "OK": 1}
    assert stats["deleted_records"] == 1


def test_deleted_records_are_skipped_by_default() -> None:
    t = arrow_sus.read_dbf(TYPES.build())
    assert t.num_rows == 3
    assert "_deleted" not in t.column_names


def test_exact_decimals_raw_and_metadata() -> None:
    t = arrow_sus.read_dbf(TYPES.build(), decimals="exact", columns=["VAL"])
    assert t.schema.field("VAL").type == pa.decimal128(10, 2)
    assert t.column("VAL").to_pylist()[0] == decimal.Decimal("1.50")
    raw = arrow_sus.read_dbf(TYPES.build(), raw=True)
    assert set(raw.schema.types) == {pa.string()}
    assert raw.column("SMALL").to_pylist() == [12 and "12", None, "****"]
    meta = t.schema.field("VAL").metadata
    assert meta == {b"dbf.type": b"N", b"dbf.width": b"10", b"dbf.decimals": b"2"}
    assert t.schema.metadata[b"arrow_sus.header_record_count"] == b"4"
    assert t.schema.metadata[b"arrow_sus.source"] == b"<bytes>"
    assert json.loads(t.schema.metadata[b"arrow_sus.stats"])["rows_emitted"] == 3


def test_on_invalid_raise_names_row_and_field() -> None:
    with pytest.raises(errors.ConversionError) as info:
        arrow_sus.read_dbf(TYPES.build(), on_invalid="raise", columns=["SMALL"])
    assert info.value.row == 2
    assert info.value.field == "SMALL"
    assert "****" in str(info.value)


def test_encodings() -> None:
    dbf = Dbf([Field("NOME", "C", 6)], [[b"S\xe3o"], [b"\x87\xc6o"]]).build()
    assert arrow_sus.read_dbf(dbf).column("NOME").to_pylist() == ["São", "\x87Æo"]
    assert arrow_sus.read_dbf(dbf, encoding="cp850").column("NOME").to_pylist() == [
        b"S\xe3o".decode("cp850"),
        "ção",
    ]
    utf8 = arrow_sus.read_dbf(Dbf([Field("NOME", "C", 6)], [["São".encode()], [b"\xff"]]).build(), encoding="utf-8")
    assert utf8.column("NOME").to_pylist() == ["São", None]
    with pytest.raises(errors.InvalidArgumentError):
        arrow_sus.read_dbf(dbf, encoding="klingon")


def test_large_strings_hold_the_same_text_for_pandas() -> None:
    data = TYPES.build()
    default = arrow_sus.read_dbf(data)
    large = arrow_sus.read_dbf(data, large_strings=True)
    assert large.schema.field("NAME").type == pa.large_string()
    assert large.schema.field("NAME").metadata == default.schema.field("NAME").metadata
    assert large.to_pydict() == default.to_pydict()
    assert large.to_pandas().equals(default.to_pandas())
    raw = arrow_sus.read_dbf(data, raw=True, large_strings=True)
    assert set(raw.schema.types) == {pa.large_string()}
    assert raw.to_pydict() == arrow_sus.read_dbf(data, raw=True).to_pydict()
    cp850 = Dbf([Field("NOME", "C", 6)], [[b"\x87\xc6o"]]).build()
    assert arrow_sus.read_dbf(cp850, encoding="cp850", large_strings=True).column("NOME").to_pylist() == ["ção"]
    dates = Dbf([Field("DT_INTER", "C", 8)], [[b"20240131"], [b"2024"]]).build()
    typed = arrow_sus.read_dbf(dates, dataset="sih-rd", large_strings=True)
    assert typed.column("DT_INTER").to_pylist() == [dt.date(2024, 1, 31), None]


def test_large_strings_through_dbc_with_filters_and_deleted_records() -> None:
    dbc = arrow_sus.compress_dbf(TYPES.build())
    options = dict(filters=[("NAME", "!=", "0012")], keep_deleted=True, columns=["NAME", "SMALL"])
    default = arrow_sus.read_dbc(dbc, **options)
    large = arrow_sus.read_dbc(dbc, large_strings=True, **options)
    assert large.schema.field("NAME").type == pa.large_string()
    assert (
        large.to_pydict()
        == default.to_pydict()
        == {  # a null NAME is not != "0012" (SQL semantics)
            "NAME": ["João", "  lead"],
            "SMALL": [None, -7],
            "_deleted": [False, True],
        }
    )
    streamed = pa.Table.from_batches(list(arrow_sus.open_dbc(dbc, large_strings=True, batch_size=1, **options)))
    assert streamed.to_pydict() == default.to_pydict()
    assert streamed.schema.field("NAME").type == pa.large_string()


def test_a_long_read_stops_on_ctrl_c() -> None:
    import _thread
    import threading
    import time

    # 500,000 one-record batches: a read of ~3 s here, with Python running between batches, where
    # Ctrl-C must stop it (a read that ignored it would raise only once done).
    one = Dbf([Field("ID", "C", 8)], [[b"1"]]).build()
    header_length = int.from_bytes(one[8:10], "little")
    records = 500_000
    data = bytearray(one[:header_length] + one[header_length : header_length + 9] * records)
    data[4:8] = records.to_bytes(4, "little")
    for read in (arrow_sus.read_dbf, lambda d, **kw: arrow_sus.open_dbf(d, **kw).read_all()):
        timer = threading.Timer(0.2, _thread.interrupt_main)
        start = time.perf_counter()
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                read(bytes(data), batch_size=1, use_threads=False)
        finally:
            timer.cancel()
        assert time.perf_counter() - start < 1.5


def test_sources_str_path_bytes(tmp_path: Path) -> None:
    data = TYPES.build()
    path = tmp_path / "types.dbf"
    path.write_bytes(data)
    expected = arrow_sus.read_dbf(data)
    for source in (str(path), path, data, bytearray(data), memoryview(data)):
        assert arrow_sus.read_dbf(source).equals(expected)
    assert arrow_sus.read_dbf(path).schema.metadata[b"arrow_sus.source"] == str(path).encode()


def test_projection_order_and_unknown_column() -> None:
    t = arrow_sus.read_dbf(TYPES.build(), columns=["OK", "NAME"])
    assert t.column_names == ["OK", "NAME"]
    with pytest.raises(errors.InvalidArgumentError, match="available fields: NAME, SMALL"):
        arrow_sus.read_dbf(TYPES.build(), columns=["NOPE"])


def test_bad_input_raises_typed_errors_with_the_file_name(tmp_path: Path) -> None:
    data = TYPES.build()
    truncated = tmp_path / "cut.dbf"
    truncated.write_bytes(data[:-10])
    with pytest.raises(errors.FormatError) as info:
        arrow_sus.read_dbf(truncated)
    assert info.value.path == str(truncated)
    with pytest.raises(errors.FormatError):
        arrow_sus.read_dbf(data[:20])
    with pytest.raises(errors.NotFoundError):
        arrow_sus.read_dbf(tmp_path / "missing.dbf")
    # A .dbf read as a .dbc and the other way round.
    with pytest.raises(errors.FormatError):
        arrow_sus.read_dbc(data)


def test_header_quirks() -> None:
    quirky = Dbf(
        [Field("A", "C", 2), Field("B", "N", 3)],
        [[b"x", b"1"], [b"y", b"2"]],
        terminator=b"\x00",
        padding=b"\x00",
        eof=False,
        header_count=1,  # fewer than the data holds: the data is trusted (more would be truncation)
    )
    reader = arrow_sus.open_dbf(quirky.build())
    t = reader.read_all()
    assert t.to_pydict() == {"A": ["x", "y"], "B": [1, 2]}
    stats = arrow_sus.reader_stats(reader)
    assert stats["header_record_count"] == 1
    assert stats["records_read"] == 2
    assert stats["record_count_difference"] == 1
    assert stats["eof_marker"] is False
    assert arrow_sus.reader_header(reader)["fields"] == [("A", "C", 2, 0), ("B", "N", 3, 0)]


def test_zero_records_keep_the_schema() -> None:
    t = arrow_sus.read_dbf(Dbf([Field("A", "C", 2), Field("N", "N", 3)], []).build())
    assert t.num_rows == 0
    assert t.schema.types == [pa.string(), pa.int32()]


def _people(n: int) -> bytes:
    return Dbf(
        [Field("ID", "N", 7), Field("SEXO", "C", 1), Field("IDADE", "N", 3), Field("DIAG", "C", 4)],
        [
            [
                str(i).encode(),
                str(1 + i % 3).encode(),
                str(i % 97).encode(),
                b"I2%d" % (i % 10) if i % 4 else b"J1",
            ]
            for i in range(n)
        ],
    ).build()


def test_streaming_batches_and_interop() -> None:
    import duckdb
    import polars as pl

    data = _people(10_000)
    reader = arrow_sus.open_dbf(data, batch_size=1000)
    assert isinstance(reader, pa.RecordBatchReader)
    sizes = [b.num_rows for b in reader]
    assert sizes == [1000] * 10
    assert pl.from_arrow(arrow_sus.open_dbf(data)).height == 10_000
    rel = arrow_sus.open_dbf(data, columns=["SEXO", "IDADE"])  # noqa: F841  (DuckDB finds it by name)
    assert duckdb.sql("select count(*) from rel where SEXO = '3'").fetchall() == [(3333,)]
    df = arrow_sus.read_dbf(TYPES.build()).to_pandas()
    assert str(df["NAME"].dtype) in ("object", "str", "string")
    assert str(df["BIG"].dtype) == "float64"  # int64 with nulls, as pyarrow maps it
    assert str(arrow_sus.read_dbf(data).to_pandas()["ID"].dtype) == "int32"


def test_filters_parquet_convention() -> None:
    data = _people(1000)
    full = arrow_sus.read_dbf(data)
    t = arrow_sus.read_dbf(data, columns=["ID"], filters=[("SEXO", "=", "3"), ("IDADE", ">=", 60)])
    expected = [r["ID"] for r in full.to_pylist() if r["SEXO"] == "3" and r["IDADE"] >= 60]
    assert t.column("ID").to_pylist() == expected
    ored = arrow_sus.read_dbf(data, filters=[[("ID", "<", 3)], [("ID", ">", 997)]])
    assert ored.column("ID").to_pylist() == [0, 1, 2, 998, 999]
    starts = arrow_sus.read_dbf(data, filters=[("DIAG", "starts_with", "I2")])
    assert all(d.startswith("I2") for d in starts.column("DIAG").to_pylist())
    assert arrow_sus.read_dbf(data, filters=[("DIAG", "in", ["J1"])]).num_rows == 250
    assert arrow_sus.read_dbf(data, filters="SEXO = '1' and ID < 10").column("ID").to_pylist() == [0, 3, 6, 9]
    stats = arrow_sus.table_stats(arrow_sus.read_dbf(data, filters=[("ID", "<", 10)]))
    assert stats["rows_filtered_out"] == 990
    with pytest.raises(errors.InvalidArgumentError, match="available fields"):
        arrow_sus.read_dbf(data, filters=[("NOPE", "=", 1)])
    with pytest.raises(errors.InvalidArgumentError):
        arrow_sus.read_dbf(data, filters=[("ID", "~", 1)])
    with pytest.raises(errors.InvalidArgumentError):
        arrow_sus.read_dbf(data, filters=[("IDADE", "=", "abc")])


def test_date_filters() -> None:
    data = Dbf([Field("D", "D", 8)], [[b"20200101"], [b"20200315"], [b""]]).build()
    assert arrow_sus.read_dbf(data, filters=[("D", ">", dt.date(2020, 2, 1))]).num_rows == 1
    assert arrow_sus.read_dbf(data, filters=[("D", "<", "2020-02-01")]).num_rows == 1
    assert arrow_sus.read_dbf(data, filters=[("D", "is_null")]).num_rows == 1


def test_threaded_equals_serial() -> None:
    data = _people(50_000)
    a = arrow_sus.read_dbf(data, use_threads=False, batch_size=3000)
    b = arrow_sus.read_dbf(data, use_threads=True, batch_size=3000)
    assert a.equals(b)


def test_dataset_types_text_dates(tmp_path) -> None:
    from dbf_factory import Dbf, Field

    import arrow_sus

    fields = [Field("DT_INTER", "C", 8), Field("IDADE", "N", 3)]
    dbf = Dbf(fields, [[b"20240131", b"60"], [b"20241399", b"5"], [b"", b"7"]]).build()
    typed = arrow_sus.read_dbf(dbf, dataset="sih-rd")
    assert str(typed.schema.field("DT_INTER").type) == "date32[day]"
    assert typed.column("DT_INTER").null_count == 2
    assert arrow_sus.table_stats(typed)["invalid_dates"] == 1
    assert str(arrow_sus.read_dbf(dbf).schema.field("DT_INTER").type) == "string"
    with pytest.raises(arrow_sus.ConversionError, match="DT_INTER"):
        arrow_sus.read_dbf(dbf, dataset="sih-rd", on_invalid="raise")


def test_columns_must_be_a_list_of_names() -> None:
    data = Dbf([Field("NAME", "C", 4), Field("N", "N", 3)], [[b"ana", b"1"]]).build()
    for bad, words in (("NAME", "not one string"), ([], "names no column"), (["N", "N"], "N more than once")):
        with pytest.raises(arrow_sus.InvalidArgumentError, match=words):
            arrow_sus.read_dbf(data, columns=bad)
    assert arrow_sus.read_dbf(data, columns=("NAME",)).column_names == ["NAME"]
