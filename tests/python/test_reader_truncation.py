"""A file whose data ends before the records its header declares is a FormatError naming the file and both
counts, or, with ``on_truncated="warn"``, the records that are there plus a TruncatedFileWarning."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import corpus_dir
from dbf_factory import Dbf, Field
from remote_servers import build_tree, synthetic_dbf

import arrow_sus
from arrow_sus import TruncatedFileWarning

PEOPLE = Dbf(
    [Field("NOME", "C", 6), Field("IDADE", "N", 3)],
    [[f"P{i}".encode(), str(i % 90).encode()] for i in range(500)],
)


def cut_at_record(data: bytes, records: int) -> bytes:
    """The first `records` records of a DBF (header kept as it is: it still declares them all)."""
    header_length = int.from_bytes(data[8:10], "little")
    record_length = int.from_bytes(data[10:12], "little")
    return data[: header_length + records * record_length]


def test_a_dbf_cut_at_a_record_boundary_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.dbf"
    path.write_bytes(cut_at_record(PEOPLE.build(), 100))
    for read in (arrow_sus.read_dbf, lambda p: arrow_sus.open_dbf(p).read_all()):
        with pytest.raises(arrow_sus.FormatError, match="declares 500 records but the data holds 100") as err:
            read(path)
        assert err.value.path == str(path)
        assert err.value.offset == 32 + 32 * 2 + 1 + 100 * 10


def test_warn_reads_what_is_there_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "cut.dbf"
    path.write_bytes(cut_at_record(PEOPLE.build(), 100))
    with pytest.warns(TruncatedFileWarning, match=r"cut\.dbf.*declares 500 records but the data holds 100"):
        table = arrow_sus.read_dbf(path, on_truncated="warn")
    assert table.num_rows == 100
    stats = arrow_sus.table_stats(table)
    assert stats["truncated"] is True and stats["record_count_difference"] == -400
    reader = arrow_sus.open_dbf(path, on_truncated="warn", batch_size=7)
    with pytest.warns(TruncatedFileWarning):
        assert reader.read_all().num_rows == 100
    assert arrow_sus.reader_stats(reader)["truncated"] is True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        complete = arrow_sus.read_dbf(PEOPLE.build(), on_truncated="warn")
    assert complete.num_rows == 500 and arrow_sus.table_stats(complete)["truncated"] is False


def test_a_record_cut_in_the_middle_is_truncation_too() -> None:
    data = PEOPLE.build()[:-5]  # no 0x1A, last record 4 bytes short
    with pytest.raises(arrow_sus.FormatError, match="ends inside a record"):
        arrow_sus.read_dbf(data)
    with pytest.warns(TruncatedFileWarning):
        assert arrow_sus.read_dbf(data, on_truncated="warn").num_rows == 499


def test_quirks_that_are_not_truncation_still_read() -> None:
    no_eof = Dbf(PEOPLE.fields, PEOPLE.records, eof=False, padding=b"\x00", terminator=b"\x00")
    assert arrow_sus.read_dbf(no_eof.build()).num_rows == 500
    empty = Dbf(PEOPLE.fields, [])
    assert arrow_sus.read_dbf(empty.build()).num_rows == 0
    more = Dbf(PEOPLE.fields, PEOPLE.records, header_count=7)  # more records than declared: trusted
    assert arrow_sus.read_dbf(more.build()).num_rows == 500
    stray = arrow_sus.compress_dbf(PEOPLE.build()) + b"\n"  # a byte after the compressed stream
    assert arrow_sus.read_dbc(stray).num_rows == 500


def test_a_dbc_holding_fewer_records_than_its_header_is_caught_at_the_end_of_the_stream() -> None:
    short = Dbf(PEOPLE.fields, PEOPLE.records[:40], header_count=100)
    dbc = arrow_sus.compress_dbf(short.build())
    with pytest.raises(arrow_sus.FormatError, match="declares 100 records but the data holds 40"):
        arrow_sus.read_dbc(dbc)
    with pytest.warns(TruncatedFileWarning):
        assert arrow_sus.open_dbc(dbc, on_truncated="warn").read_all().num_rows == 40


def test_scan_raises_or_warns_and_never_caches_a_truncated_file(tmp_path: Path) -> None:
    dbf = synthetic_dbf(200)
    public = build_tree(
        tmp_path / "srv", {"SIHSUS/200801_/Dados/RDAC2401.dbc": arrow_sus.compress_dbf(dbf[: 129 + 183 * 31])}
    )
    kw = {"uf": "AC", "year": 2024, "month": 1, "source": public.as_uri(), "cache_dir": tmp_path / "cache"}
    with pytest.raises(arrow_sus.FormatError, match=r"RDAC2401\.dbc.*declares 200 records but the data holds 183"):
        arrow_sus.scan("sih-rd", **kw).to_arrow()
    scan = arrow_sus.scan("sih-rd", on_truncated="warn", **kw)
    with pytest.warns(TruncatedFileWarning, match="RDAC2401.dbc"):
        assert scan.to_arrow().num_rows == 183
    assert scan.stats.truncated_files == 1
    assert scan.files().column("cached").to_pylist() == [""]  # nothing converted was kept
    with pytest.warns(TruncatedFileWarning):
        assert scan.to_arrow().num_rows == 183


def test_no_corpus_file_is_truncated() -> None:
    """Every real file reads without the check firing (test_reader_corpus.py reads them all; this one only
    makes the point for the quirky ones: no 0x1A, padding after the terminator, stray bytes, no records)."""
    base = corpus_dir()
    if base is None:
        pytest.skip("DATASUS corpus not found: set ARROW_SUS_CORPUS or place it at ../shared/corpus")
    quirky = ["STPI2206.dbc", "ZIKABR21.dbc", "PAMA0409.dbc", "CHAGMG18.DBC", "COLEBR15.dbf", "DOINF21.dbc"]
    for name in quirky:
        path = base / name
        if path.exists():
            read = arrow_sus.read_dbc if path.suffix.lower() == ".dbc" else arrow_sus.read_dbf
            assert arrow_sus.table_stats(read(path))["truncated"] is False, name
