"""End-to-end scans over a DATASUS-shaped mirror made by the tests (file:// and a local FTP server)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from dbf_factory import Dbf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from remote_servers import PUBLIC_ROOT, FtpServer
from scan_mirror import SIH_DIR, build_sih_mirror, sih_fields, sih_records

import arrow_sus
from arrow_sus import cache
from arrow_sus.cache import DEFAULT_CACHE_FORMAT
from arrow_sus.codec import compress_dbf
from arrow_sus.errors import InvalidArgumentError, NotFoundError

pl = pytest.importorskip("polars")

WOMEN_60 = [("SEXO", "=", "3"), ("IDADE", ">=", 60)]


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("srv") / PUBLIC_ROOT
    files = build_sih_mirror(root)
    return root, files


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(params=["ipc", "parquet", "ipc-uncompressed"])
def cache_format(request: pytest.FixtureRequest) -> str:
    """Each converted-cache format in turn."""
    return request.param


def source_of(root: Path) -> str:
    return root.as_uri()


def per_file_union(root: Path, files, columns=None) -> pa.Table:
    """The reference: each file read alone, concatenated with union-by-name promotion."""
    tables = [arrow_sus.read_dbc(root / f.path, columns=columns) for f in files]
    return pa.concat_tables([t.replace_schema_metadata(None) for t in tables], promote_options="permissive")


def decoded(table: pa.Table) -> pa.Table:
    """The table with dictionary columns as their values."""
    fields = [pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type) for f in table.schema]
    return table.cast(pa.schema(fields))


def canonical(table: pa.Table) -> pa.Table:
    table = table.replace_schema_metadata(None)
    fields = [pa.field(f.name, f.type) for f in table.schema]
    return table.cast(pa.schema(fields))


def test_multi_state_multi_month_equals_per_file_reads(mirror, cache_dir) -> None:
    root, files = mirror
    s = arrow_sus.scan("sih-rd", uf=["AC", "RJ"], year=[2012, 2013], source=source_of(root))
    assert len(s) == len(files)
    assert "sih-rd" in repr(s)
    table = s.to_arrow()
    expected = per_file_union(root, sorted(files, key=lambda f: f.path))
    assert table.num_rows == sum(f.rows for f in files)
    assert canonical(table).equals(canonical(expected.select(table.column_names)))
    assert s.stats["files_done"] == len(files)


def test_partition_selection_and_source_columns(mirror, cache_dir) -> None:
    root, files = mirror
    s = arrow_sus.scan("sih-rd", uf="RJ", year=2013, month="1-2", source=source_of(root), with_source=True)
    planned = s.files()
    assert planned.column("uf").to_pylist() == ["RJ", "RJ"]
    assert planned.column("month").to_pylist() == [1, 2]
    table = s.to_arrow()
    assert set(table.column("file").to_pylist()) == {f"{SIH_DIR}/RDRJ1301.dbc", f"{SIH_DIR}/RDRJ1302.dbc"}
    assert set(table.column("uf").to_pylist()) == {"RJ"}
    assert table.column("year").type == pa.int32()
    rows = {f.path: f.rows for f in files}
    assert table.num_rows == rows[f"{SIH_DIR}/RDRJ1301.dbc"] + rows[f"{SIH_DIR}/RDRJ1302.dbc"]


def test_schema_drift_modes(mirror, cache_dir) -> None:
    root, _ = mirror
    src = source_of(root)
    union = arrow_sus.scan("sih-rd", uf="AC", year=[2012, 2013], source=src, decimals="exact")
    schema = union.schema
    assert "CID_NOTIF" in schema.names
    assert schema.field("VAL_TOT").type == pa.decimal128(12, 2)  # widened in 2013: promoted
    table = union.to_arrow()
    december = table.filter(pc.equal(table.column("MES_CMPT"), 12))  # a number, as the dictionary says
    assert december.column("CID_NOTIF").null_count == december.num_rows
    inter = arrow_sus.scan("sih-rd", uf="AC", year=[2012, 2013], source=src, schema="intersection")
    assert "CID_NOTIF" not in inter.schema.names
    strict = arrow_sus.scan("sih-rd", uf="AC", year=[2012, 2013], source=src, schema="strict")
    with pytest.raises(InvalidArgumentError, match=r"RDAC1301\.dbc"):
        strict.schema  # noqa: B018


def test_projection_and_filters_cold_and_warm(mirror, cache_dir, cache_format) -> None:
    root, _ = mirror
    src = source_of(root)
    filters = [("SEXO", "=", "3"), ("IDADE", ">=", 60)]
    columns = ["DIAG_PRINC", "IDADE", "VAL_TOT"]
    everything = arrow_sus.scan("sih-rd", year=2013, source=src, cache=False).to_arrow()
    mask = pc.and_(pc.equal(everything["SEXO"], "3"), pc.greater_equal(everything["IDADE"], 60))
    expected = everything.filter(mask).select(columns)
    kw = {"source": src, "columns": columns, "filters": filters, "cache_format": cache_format}
    cold = arrow_sus.scan("sih-rd", year=2013, **kw)
    assert cold.files().column("cached").to_pylist() == ["", "", "", ""]
    assert canonical(cold.to_arrow()).equals(canonical(expected))
    warm = arrow_sus.scan("sih-rd", year=2013, **kw)
    assert warm.files().column("cached").to_pylist() == [cache_format] * 4
    assert canonical(warm.to_arrow()).equals(canonical(expected))
    assert warm.stats["files_from_cache"] == 4
    # Every column, no filter, from the cache: the same table as a cache-free read.
    whole = arrow_sus.scan("sih-rd", year=2013, source=src, cache_format=cache_format).to_arrow()
    assert canonical(whole).equals(canonical(everything))
    info = cache.info()
    assert info.converted_entries == 4 and info.hits >= 4
    assert set(cache.entries().column("format").to_pylist()) == {cache_format}


def test_a_coded_column_empty_in_the_first_batches_is_cached(tmp_path, cache_dir, cache_format) -> None:
    # Real SIH files leave DIAGSEC2 blank in their first rows: the file's dictionary of that column starts empty
    # and grows, which Arrow's IPC file writer cannot store as it is (the cache must, and give it back unchanged).
    fields = sih_fields(2013)
    records = sih_records(random.Random(7), 300, "120000", 2013, 1, fields)
    for row in records[:150]:
        row[5] = b"    "  # DIAG_PRINC, a CID-10 code: blank (null) in the first batches
    target = tmp_path / "srv" / SIH_DIR / "RDAC1301.dbc"
    target.parent.mkdir(parents=True)
    target.write_bytes(compress_dbf(Dbf(fields, records).build()))
    kw = {"source": (tmp_path / "srv").as_uri(), "batch_size": 100, "cache_format": cache_format}
    expected = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, cache=False, **kw).to_arrow()
    assert pa.types.is_dictionary(expected.schema.field("DIAG_PRINC").type)
    assert expected.column("DIAG_PRINC").chunk(0).dictionary.to_pylist() == []
    cold = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, **kw)
    assert decoded(cold.to_arrow()).equals(decoded(expected))
    warm = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, **kw)
    assert warm.files().column("cached").to_pylist() == [cache_format]
    table = warm.to_arrow()
    # An IPC file gives every batch the file's whole dictionary: the values are compared.
    assert decoded(table).equals(decoded(expected))
    assert all(chunk.dictionary.null_count == 0 for chunk in table.column("DIAG_PRINC").chunks)
    assert table.to_pandas()["DIAG_PRINC"].isna().sum() == expected.column("DIAG_PRINC").null_count >= 150


def test_an_entry_in_the_other_format_is_a_miss(mirror, cache_dir, monkeypatch) -> None:
    root, _ = mirror
    src = source_of(root)
    default = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, source=src).to_arrow()
    assert cache.entries().column("format").to_pylist() == [DEFAULT_CACHE_FORMAT] == ["ipc-uncompressed"]
    monkeypatch.setenv("ARROW_SUS_CACHE_FORMAT", "parquet")
    as_parquet = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, source=src)
    assert as_parquet.files().column("cached").to_pylist() == [""]
    as_parquet.to_arrow()
    assert sorted(cache.entries().column("format").to_pylist()) == ["ipc-uncompressed", "parquet"]
    via_helper = arrow_sus.scan_sih("RD", uf="AC", year=2013, month=1, source=src, cache_format="parquet")
    assert via_helper.files().column("cached").to_pylist() == ["parquet"]
    asked = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, source=src, cache_format="ipc-uncompressed")
    assert asked.files().column("cached").to_pylist() == ["ipc-uncompressed"]
    info = cache.info()
    assert (info.ipc_uncompressed_entries, info.parquet_entries, info.converted_entries) == (1, 1, 2)
    assert info.ipc_uncompressed_bytes > info.parquet_bytes > 0
    assert cache.clear(kind="parquet") == 1
    assert (cache.info().ipc_uncompressed_entries, cache.info().parquet_entries) == (1, 0)
    lz4 = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, source=src, cache_format="ipc")
    assert lz4.files().column("cached").to_pylist() == [""]
    assert lz4.to_arrow().equals(default)
    info = cache.info()
    assert (info.ipc_entries, info.ipc_uncompressed_entries, info.converted_entries) == (1, 1, 2)
    assert info.ipc_uncompressed_bytes > info.ipc_bytes
    assert cache.clear(kind="converted") == 2 and cache.info().converted_entries == 0
    monkeypatch.setenv("ARROW_SUS_CACHE_FORMAT", "feather")
    with pytest.raises(InvalidArgumentError, match="ARROW_SUS_CACHE_FORMAT"):
        arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, source=src)
    with pytest.raises(InvalidArgumentError, match="cache_format must be one of 'ipc', 'parquet', 'ipc-uncompressed'"):
        arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, source=src, cache_format="csv")  # type: ignore[arg-type]


def test_filter_on_a_column_some_files_lack(mirror, cache_dir) -> None:
    root, _ = mirror
    s = arrow_sus.scan("sih-rd", uf="AC", year=[2012, 2013], source=source_of(root), with_source=True)
    has_value = s._with(filters=arrow_sus.parse_where("CID_NOTIF = 'A90'")).to_arrow()
    assert set(has_value.column("year").to_pylist()) == {2013}
    missing = s._with(filters=[("CID_NOTIF", "is_null", None)]).to_arrow()
    assert 2012 in set(missing.column("year").to_pylist())


@pytest.mark.parametrize("cache", [False, True])
def test_pyarrow_expressions_filter_scans(mirror, cache_dir, cache) -> None:
    """A pyarrow expression: its pushable part runs on the bytes, the rest (here an ``if_else``
    reading a column some files lack) with Arrow on each file: together, what filtering the whole scan gives."""
    root, _ = mirror
    s = arrow_sus.scan("sih-rd", uf="AC", year=[2012, 2013], source=source_of(root), with_source=True, cache=cache)
    full = s.to_arrow()
    residual = pc.if_else(pc.field("CID_NOTIF").is_null(), pc.field("VAL_TOT") > 300.0, pc.field("VAL_TOT") < 900.0)
    kept = full.filter(residual)
    want = sorted(y for y, sexo in zip(kept["year"].to_pylist(), kept["SEXO"].to_pylist(), strict=True) if sexo == "3")
    assert want and 2012 in want
    for _ in range(2):  # with the cache on, the second pass reads the cached conversions
        got = s._with(filters=(pc.field("SEXO") == "3") & residual, columns=("SEXO",)).to_arrow()
        assert sorted(got.column("year").to_pylist()) == want


COMPARISONS = st.sampled_from(
    [
        ("SEXO", "=", "3"),
        ("SEXO", "!=", "1"),
        ("IDADE", ">=", 60),
        ("IDADE", "<", 5),
        ("IDADE", "is_null", None),
        ("DIAG_PRINC", "starts_with", "I2"),
        ("DIAG_PRINC", "in", ["A09", "J189"]),
        ("VAL_TOT", ">", 5000.0),
        ("DT_INTER", "<", dt.date(2013, 1, 15)),
        ("MUNIC_RES", "not in", ["120001", "330002"]),
    ]
)
FILTERS = st.lists(st.lists(COMPARISONS, min_size=1, max_size=3), min_size=1, max_size=3)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=FILTERS, cache_format=st.sampled_from([None, "ipc", "parquet", "ipc-uncompressed"]))
def test_random_filters_equal_read_all_then_filter(mirror, tmp_path_factory, filters, cache_format) -> None:
    """Random filters, cache off (``None``) or through each cache format, equal reading all then filtering."""
    root, _ = mirror
    cache_root = tmp_path_factory.mktemp("c")
    src = source_of(root)
    full = arrow_sus.scan("sih-rd", uf="RJ", year=2013, source=src, cache=False).to_arrow()
    expected = _codes_as_text(pl.from_arrow(full)).filter(_polars_expr(filters))
    cached = cache_format is not None
    for _ in range(2 if cached else 1):  # the second pass reads the cached conversions
        got = arrow_sus.scan(
            "sih-rd",
            uf="RJ",
            year=2013,
            source=src,
            filters=filters,
            cache=cached,
            cache_dir=cache_root,
            cache_format=cache_format,
        ).to_polars()
        assert _codes_as_text(got).equals(expected)


def _codes_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its coded columns (categoricals) as text, which every string operation takes."""
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.String))


def _polars_expr(dnf):
    ops = {
        "=": lambda c, v: c == v,
        "!=": lambda c, v: c != v,
        ">=": lambda c, v: c >= v,
        "<": lambda c, v: c < v,
        ">": lambda c, v: c > v,
        "is_null": lambda c, v: c.is_null(),
        "starts_with": lambda c, v: c.str.starts_with(v),
        "in": lambda c, v: c.is_in(v),
        "not in": lambda c, v: c.is_not_null() & ~c.is_in(v),
    }
    out = None
    for conj in dnf:
        term = None
        for col, op, value in conj:
            e = ops[op](pl.col(col), value)
            e = e.fill_null(False)
            term = e if term is None else term & e
        out = term if out is None else out | term
    return out


def test_dates_are_typed_from_the_catalog(mirror, cache_dir, tmp_path) -> None:
    root, _ = mirror
    s = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, source=source_of(root), columns=["DT_INTER", "SEXO"])
    assert s.schema.field("DT_INTER").type == pa.date32()
    assert s.schema.field("DT_INTER").metadata[b"arrow_sus.format"] == b"YYYYMMDD"
    table = s.to_arrow()
    raw = arrow_sus.read_dbc(root / SIH_DIR / "RDAC1301.dbc", columns=["DT_INTER"], typed=False)
    as_dates = [dt.datetime.strptime(v, "%Y%m%d").date() for v in raw.column("DT_INTER").to_pylist()]
    assert table.column("DT_INTER").to_pylist() == as_dates
    january_first_half = [("DT_INTER", "<", dt.date(2013, 1, 15))]
    for cache_on in (False, True, True):  # raw path, cache-filling path, Parquet cache
        got = arrow_sus.scan(
            "sih-rd", uf="AC", year=2013, month=1, source=source_of(root), filters=january_first_half, cache=cache_on
        ).to_arrow()
        assert got.num_rows == sum(d < dt.date(2013, 1, 15) for d in as_dates)
    untyped = arrow_sus.scan("sih-rd", uf="AC", year=2013, month=1, source=source_of(root), typed=False)
    assert untyped.schema.field("DT_INTER").type == pa.string()


def test_invalid_dates_are_null_and_counted(tmp_path, cache_dir) -> None:
    from dbf_factory import Dbf, Field

    root = tmp_path / "m"
    target = root / SIH_DIR / "RDAC1301.dbc"
    target.parent.mkdir(parents=True)
    fields = [Field("DT_INTER", "C", 8), Field("SEXO", "C", 1)]
    rows = [[b"20130105", b"1"], [b"20131399", b"3"], [b"", b"1"], [b"00000000", b"3"], [b"2013-1-1", b"1"]]
    target.write_bytes(arrow_sus.compress_dbf(Dbf(fields, rows).build()))
    s = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=root.as_uri(), cache=False)
    table = s.to_arrow()
    assert table.column("DT_INTER").to_pylist() == [dt.date(2013, 1, 5), None, None, None, None]
    assert s.stats["invalid_dates"] == 2
    with pytest.raises(arrow_sus.ConversionError, match="DT_INTER") as err:
        arrow_sus.scan("sih-rd", uf="AC", year=2013, source=root.as_uri(), cache=False, on_invalid="raise").to_arrow()
    assert err.value.row == 1 and "RDAC1301.dbc" in str(err.value)


def test_deleted_records_are_counted_or_kept(tmp_path, cache_dir) -> None:
    from dbf_factory import Dbf, Field

    root = tmp_path / "m"
    target = root / SIH_DIR / "RDAC1301.dbc"
    target.parent.mkdir(parents=True)
    rows = [[str(i).encode(), b"3" if i % 2 else b"1"] for i in range(10)]
    target.write_bytes(
        arrow_sus.compress_dbf(Dbf([Field("N", "C", 2), Field("SEXO", "C", 1)], rows, {0, 3, 4}).build())
    )
    for use_cache in (False, True, True):  # no cache, filling it, reading it back
        s = arrow_sus.scan(
            "sih-rd", uf="AC", year=2013, source=root.as_uri(), cache=use_cache, filters=[("SEXO", "=", "3")]
        )
        assert s.to_arrow().column("N").to_pylist() == ["1", "5", "7", "9"]
        if not s.stats.files_from_cache:  # a cached conversion holds no deleted records
            assert (s.stats.records_scanned, s.stats.deleted_records_skipped) == (10, 3)
        assert s.stats.rows_filtered_out == s.stats.records_scanned - s.stats.deleted_records_skipped - 4
        kept = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=root.as_uri(), cache=use_cache, keep_deleted=True)
        table = kept.to_arrow()
        assert table.column("_deleted").to_pylist() == [i in {0, 3, 4} for i in range(10)]
        assert kept.stats.deleted_records_skipped == 0 and kept.stats.rows == 10


def test_polars_lazy_pushdown(mirror, cache_dir) -> None:
    root, _ = mirror
    s = arrow_sus.scan("sih-rd", year=2013, source=source_of(root))
    lf = s.lazy().filter((pl.col("SEXO") == "3") & (pl.col("VAL_TOT") * 2 > 1000)).select("DIAG_PRINC", "IDADE")
    plan = lf.explain()
    assert "arrow_sus" in plan
    got = lf.collect()
    full = s.to_polars()
    expected = full.filter((pl.col("SEXO") == "3") & (pl.col("VAL_TOT") * 2 > 1000)).select("DIAG_PRINC", "IDADE")
    assert got.equals(expected)
    assert s.lazy().head(7).collect().height == 7


def test_stats_of_a_pass(mirror, cache_dir) -> None:
    root, files = mirror
    in_2013 = [f for f in files if f.year == 2013]
    s = arrow_sus.scan(
        "sih-rd", year=2013, source=source_of(root), cache=False, columns=["DIAG_PRINC", "VAL_TOT"], filters=WOMEN_60
    )
    assert isinstance(s.stats, arrow_sus.ScanStats) and s.stats.records_scanned == 0  # nothing ran yet
    for _ in range(2):  # each pass starts from zero
        table = s.to_arrow()
        stats = s.stats
        assert stats.files_planned == stats.files_done == len(in_2013)
        assert stats.records_scanned == sum(f.rows for f in in_2013)
        assert stats.rows == table.num_rows > 0
        assert stats.rows_filtered_out == stats.records_scanned - table.num_rows
        assert stats.deleted_records_skipped == 0 and stats.files_from_cache == 0
        # The projection only: SEXO and IDADE are tested on the raw bytes, never converted.
        assert stats.columns_converted == 2 * len(in_2013)
        assert stats.columns_read_from_cache == 0
        assert stats.bytes_read == sum((root / f.path).stat().st_size for f in in_2013)
        assert stats.bytes_downloaded == 0
    assert stats["rows"] == stats.rows and stats.as_dict()["rows_filtered_out"] == stats.rows_filtered_out
    with pytest.raises(KeyError):
        stats["nope"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.rows = 0  # type: ignore[misc]
    text = repr(stats)
    assert f"{stats.rows_filtered_out:,} filtered out" in text and "4/4 files" in text


def test_stats_show_polars_pushdown(mirror, cache_dir) -> None:
    root, files = mirror
    in_2013 = [f for f in files if f.year == 2013]
    total = sum(f.rows for f in in_2013)
    s = arrow_sus.scan("sih-rd", year=2013, source=source_of(root))
    for cached in (0, len(in_2013)):  # fills the cache, then reads from it
        got = s.lazy().select(["SEXO", "IDADE", "DIAG_PRINC"]).filter(pl.col("IDADE") >= 60).collect()
        assert got.height > 0 and (got["IDADE"] >= 60).all()
        stats = s.stats
        assert stats.files_from_cache == cached
        assert stats.records_scanned == total
        assert stats.rows == got.height  # the predicate was applied natively: Polars dropped nothing
        assert stats.rows_filtered_out == total - got.height
        if cached:  # the three columns read back from the cache, nothing converted
            assert stats.columns_read_from_cache == 3 * len(in_2013) and stats.columns_converted == 0
    # Without the cache, only the projected columns are converted (IDADE is also the filter's).
    uncached = arrow_sus.scan("sih-rd", year=2013, source=source_of(root), cache=False)
    uncached.lazy().filter(pl.col("IDADE") >= 60).select("SEXO", "DIAG_PRINC").collect()
    assert uncached.stats.columns_converted == 3 * len(in_2013)
    # A predicate Polars cannot push down is applied by Polars to every row that comes back.
    partly = uncached.lazy().filter((pl.col("SEXO") == "3") & (pl.col("VAL_TOT") * 2 > 1000)).collect()
    assert uncached.stats.rows_filtered_out > 0 and uncached.stats.rows > partly.height
    # head() stops the native scan early.
    assert uncached.lazy().head(5).collect().height == 5
    assert uncached.stats.rows < total and uncached.stats.records_scanned < total


def test_duckdb_and_pandas(mirror, cache_dir) -> None:
    duckdb = pytest.importorskip("duckdb")
    root, files = mirror
    s = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=source_of(root), columns=["SEXO", "VAL_TOT"])
    con = duckdb.connect()
    count = s.to_duckdb(con, name="sih_rd").aggregate("count(*)").fetchall()[0][0]
    assert count == sum(f.rows for f in files if f.uf == "AC" and f.year == 2013)
    frame = s.to_pandas()
    assert list(frame.columns) == ["SEXO", "VAL_TOT"] and len(frame) == count


def test_to_parquet_file_and_partitioned(mirror, cache_dir, tmp_path) -> None:
    root, _files = mirror
    s = arrow_sus.scan("sih-rd", year=2013, source=source_of(root), columns=["SEXO", "IDADE"])
    summary = s.to_parquet(tmp_path / "out.parquet")
    assert summary["rows"] == pq.read_table(tmp_path / "out.parquet").num_rows
    parts = s.to_parquet(tmp_path / "parts", partition_by=["uf", "month"])
    assert parts["rows"] == summary["rows"]
    # The pass made with the source columns added counts as the scan's own.
    fresh = arrow_sus.scan("sih-rd", year=2013, source=source_of(root), columns=["SEXO", "IDADE"])
    fresh.to_parquet(tmp_path / "by_uf", partition_by=["uf"])
    assert fresh.stats.rows == summary["rows"]
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == ["uf=AC", "uf=RJ"]
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_missing_partitions_and_unknown_datasets(mirror, cache_dir) -> None:
    root, _ = mirror
    with pytest.raises(InvalidArgumentError, match="pass year "):
        arrow_sus.scan("sih-rd", source=source_of(root))
    with pytest.raises(NotFoundError, match="did you mean sih-rd"):
        arrow_sus.scan("sih-rdd", year=2013, source=source_of(root))
    with pytest.raises(NotFoundError, match="no sih-rd files"):
        arrow_sus.scan("sih-rd", uf="SP", year=2013, source=source_of(root))
    with pytest.raises(InvalidArgumentError, match="available columns"):
        arrow_sus.scan("sih-rd", uf="AC", year=2013, source=source_of(root), columns=["NOPE"]).schema  # noqa: B018


def test_dropping_the_stream_early_leaves_no_partial_cache_entry(mirror, cache_dir, cache_format) -> None:
    root, _ = mirror
    kw = {"source": source_of(root), "cache_format": cache_format}
    s = arrow_sus.scan("sih-rd", year=[2012, 2013], batch_size=16, **kw)
    stream = s.stream()
    next(stream)
    stream.close()
    converted_dir = cache_dir / "converted"
    leftovers = [p for p in converted_dir.rglob("*") if p.is_file() and ".tmp" in p.name]
    assert leftovers == []
    for entry in cache.entries().to_pylist():
        assert (entry["kind"], entry["format"]) in (("converted", cache_format), ("raw", "dbc"))
    # Whatever was committed is complete: a later scan reads the same rows as a cache-free one.
    again = arrow_sus.scan("sih-rd", year=[2012, 2013], **kw).to_arrow()
    fresh = arrow_sus.scan("sih-rd", year=[2012, 2013], source=source_of(root), cache=False).to_arrow()
    assert canonical(again).equals(canonical(fresh))


#: The magic number that starts each compressed frame: LZ4 frames hold Arrow IPC buffers, zstd frames Parquet pages.
FRAME_MAGIC = {"ipc": b"\x04\x22\x4d\x18", "parquet": b"\x28\xb5\x2f\xfd"}


def _damage_data(data: bytes, cache_format: str) -> bytes:
    """The file with its data damaged and its size and footer intact: the codec's frames overwritten, or, for
    uncompressed Arrow IPC, every message between the leading magic and the footer."""
    if cache_format in FRAME_MAGIC:
        magic = FRAME_MAGIC[cache_format]
        assert data.count(magic, 8) > 0
        return data[:8] + data[8:].replace(magic, b"\xee" * len(magic))
    footer = int.from_bytes(data[-10:-6], "little")  # then "ARROW1"
    body_end = len(data) - 10 - footer
    return data[:8] + b"\xee" * (body_end - 8) + data[body_end:]


def _one_cached_month(mirror, cache_dir: Path, cache_format: str) -> tuple[dict, pa.Table, Path]:
    """Scans one month with the cache on: the scan's arguments, its table, and the cache file it left."""
    root, _ = mirror
    kw = {"uf": "AC", "year": 2013, "month": 1, "source": source_of(root), "cache_format": cache_format}
    first = arrow_sus.scan("sih-rd", **kw).to_arrow()
    (entry,) = [e for e in cache._manifest(cache_dir).entries()]
    return kw, first, Path(entry["local_path"])


@pytest.mark.parametrize("damage", ["garbage", "truncated", "same size, footer overwritten"])
def test_corrupted_cache_file_is_rebuilt(mirror, cache_dir, cache_format, damage) -> None:
    kw, first, path = _one_cached_month(mirror, cache_dir, cache_format)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"garbage")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(data[:-16] + b"\0" * 16)
    again = arrow_sus.scan("sih-rd", **kw)
    assert again.files().column("cached").to_pylist() == [""]
    assert canonical(again.to_arrow()).equals(canonical(first))
    rebuilt = arrow_sus.scan("sih-rd", **kw)
    assert rebuilt.files().column("cached").to_pylist() == [cache_format]
    assert canonical(rebuilt.to_arrow()).equals(canonical(first))


@pytest.mark.parametrize("damage", ["data overwritten", "one flipped byte"])
def test_damaged_cache_entry_is_never_served_and_is_rebuilt(mirror, cache_dir, cache_format, damage) -> None:
    """A cache file damaged on disk with its size kept is never read as values: its checksums do not match,
    so the scan that finds it reads the original instead (correct values), and converts it again: the next
    lookup is a hit with a sound file."""
    kw, first, path = _one_cached_month(mirror, cache_dir, cache_format)
    data = path.read_bytes()
    if damage == "data overwritten":
        damaged = _damage_data(data, cache_format)
    else:
        damaged = bytearray(data)
        damaged[len(data) // 2] ^= 0x01
    path.unlink()
    path.write_bytes(damaged)
    again = arrow_sus.scan("sih-rd", **kw)
    assert canonical(again.to_arrow()).equals(canonical(first))
    rebuilt = arrow_sus.scan("sih-rd", **kw)
    assert rebuilt.files().column("cached").to_pylist() == [cache_format]
    assert canonical(rebuilt.to_arrow()).equals(canonical(first))
    assert rebuilt.stats.files_from_cache == 1
    (entry,) = cache._manifest(cache_dir).entries()
    assert Path(entry["local_path"]).read_bytes() == data  # converted again, byte for byte


@pytest.fixture
def ftp_mirror(tmp_path: Path):
    root = tmp_path / "srv"
    files = build_sih_mirror(root / PUBLIC_ROOT, ufs=("AC",), periods=((2013, 1), (2013, 2)))
    server = FtpServer(root)
    yield server, root / PUBLIC_ROOT, files
    server.stop()


def test_ftp_second_scan_sends_no_retr_and_republished_file_is_fetched(ftp_mirror, cache_dir, cache_format) -> None:
    server, public, files = ftp_mirror
    kw = {"uf": "AC", "year": 2013, "source": server.url, "cache_format": cache_format}
    first = arrow_sus.scan("sih-rd", **kw).to_arrow()
    assert first.num_rows == sum(f.rows for f in files)
    retr = server.faults.total_retr()
    assert retr >= len(files)
    again = arrow_sus.scan("sih-rd", **kw)
    assert again.files().column("cached").to_pylist() == [cache_format, cache_format]
    assert again.to_arrow().num_rows == first.num_rows
    assert server.faults.total_retr() == retr  # nothing downloaded again
    # DATASUS republishes RDAC1302 under the same name: it is fetched and converted again.
    target = public / SIH_DIR / "RDAC1302.dbc"
    build_sih_mirror(public, ufs=("AC",), periods=((2013, 2),), rows=50)
    stamp = dt.datetime(2026, 5, 2, 12, 0, tzinfo=dt.timezone.utc).timestamp()
    os.utime(target, (stamp, stamp))
    third = arrow_sus.scan("sih-rd", **kw)
    assert third.files().column("cached").to_pylist() == [cache_format, ""]
    table = third.to_arrow()
    assert server.faults.total_retr() > retr
    assert table.num_rows != first.num_rows


def test_ftp_stats_count_downloads_then_cache_reads(ftp_mirror, cache_dir, cache_format) -> None:
    server, public, files = ftp_mirror
    sizes = sum((public / f.path).stat().st_size for f in files)
    cold = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=server.url, cache_format=cache_format)
    women = cold.lazy().filter(pl.col("SEXO") == "3").select("IDADE").collect()
    assert cold.stats.bytes_downloaded == cold.stats.bytes_read == sizes
    assert cold.stats.rows == women.height and cold.stats.rows_filtered_out > 0
    assert cold.stats.columns_converted == 10 * len(files)  # every column goes to the cache
    warm = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=server.url, cache_format=cache_format)
    assert warm.lazy().filter(pl.col("SEXO") == "3").select("IDADE").collect().equals(women)
    stats = warm.stats
    assert stats.bytes_downloaded == 0 and stats.files_from_cache == len(files)
    assert stats.columns_converted == 0 and stats.columns_read_from_cache == 2 * len(files)
    assert stats.rows == women.height and stats.records_scanned == sum(f.rows for f in files)


def test_two_processes_filling_the_cache_at_once_leave_one_entry_per_file(mirror, cache_dir, cache_format) -> None:
    root, _ = mirror
    kw = {"year": 2013, "source": source_of(root), "cache_format": cache_format}
    code = f"import arrow_sus; print(arrow_sus.scan('sih-rd', **{kw!r}).to_arrow().num_rows)"
    env = {**os.environ, "ARROW_SUS_CACHE": str(cache_dir)}
    workers = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE) for _ in range(2)]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers)
    fresh = arrow_sus.scan("sih-rd", year=2013, source=source_of(root), cache=False).to_arrow()
    assert [int(out) for out in outputs] == [fresh.num_rows] * 2
    entries = cache.entries()
    assert entries.num_rows == 4 and set(entries.column("format").to_pylist()) == {cache_format}
    assert not [p for p in (cache_dir / "converted").rglob("*") if ".tmp" in p.name]
    warm = arrow_sus.scan("sih-rd", **kw)
    assert warm.files().column("cached").to_pylist() == [cache_format] * 4
    assert canonical(warm.to_arrow()).equals(canonical(fresh))


def test_final_files_win_over_preliminary_ones(tmp_path, cache_dir) -> None:
    from dbf_factory import Dbf, Field

    root = tmp_path / "m"
    fields = [Field("NU_NOTIFIC", "C", 7), Field("SG_UF", "C", 2)]
    for folder, rows in (("FINAIS", 3), ("PRELIM", 5)):
        target = root / "SINAN/DADOS" / folder / "ZIKABR21.dbc"
        target.parent.mkdir(parents=True)
        records = [[str(i).encode(), b"SP"] for i in range(rows)]
        target.write_bytes(arrow_sus.compress_dbf(Dbf(fields, records).build()))
    s = arrow_sus.scan("sinan-zika", year=2021, source=root.as_uri(), cache=False)
    assert s.files().column("path").to_pylist() == ["SINAN/DADOS/FINAIS/ZIKABR21.dbc"]
    assert s.to_arrow().num_rows == 3
