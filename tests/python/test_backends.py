"""``Scan.to(backend)``: every backend gives the rows ``to_arrow()`` gives for the same request, over a mirror the
test writes; unknown backends, options and missing packages are typed errors that say what to do."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from remote_servers import PUBLIC_ROOT
from scan_mirror import build_sih_mirror

import arrow_sus
from arrow_sus.backends import BACKENDS, datafusion_context

pytest.importorskip("datafusion")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("srv") / PUBLIC_ROOT
    build_sih_mirror(root)
    return root.as_uri()


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))


def _plain(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` in the plain types of ``schema`` (dictionaries decoded, as each engine keeps or rebuilds them
    its own way: categoricals, large or view strings, timestamps for dates in pandas)."""
    columns = []
    for field in schema:
        column = table.column(field.name)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        target = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        columns.append(column.cast(target))
    return pa.table(columns, names=schema.names)


def _rows(table: pa.Table, schema: pa.Schema) -> list[str]:
    """The rows as sorted JSON texts: compared by content, whatever the order and the chunking."""
    return sorted(json.dumps(row, default=str, sort_keys=True) for row in _plain(table, schema).to_pylist())


def _as_arrow(result: object) -> pa.Table:
    """A backend's result read into a pyarrow Table."""
    if isinstance(result, pa.Table):
        return result
    if isinstance(result, pl.LazyFrame):
        return result.collect().to_arrow()
    if isinstance(result, duckdb.DuckDBPyRelation):
        return result.to_arrow_table()
    if type(result).__module__.startswith("pandas"):
        return pa.Table.from_pandas(result, preserve_index=False)
    return result.to_arrow_table()  # a DataFusion DataFrame


def test_every_backend_gives_the_rows_of_to_arrow(source: str) -> None:
    s = arrow_sus.scan(
        "sih-rd",
        uf=["AC", "RJ"],
        year=2013,
        columns=["SEXO", "IDADE", "DIAG_PRINC", "DT_INTER", "VAL_TOT", "MUNIC_RES"],
        filters=[("SEXO", "=", "3")],
        source=source,
        with_source=True,
    )
    expected = s.to_arrow()
    assert expected.num_rows > 100 and set(pc.unique(expected["uf"]).to_pylist()) == {"AC", "RJ"}
    rows = _rows(expected, expected.schema)
    for name in BACKENDS:
        result = _as_arrow(s.to(name))
        assert result.column_names == expected.column_names, name
        assert _rows(result, expected.schema) == rows, name


def test_backends_keep_their_own_strengths(source: str) -> None:
    s = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=source, with_source=True)
    total = s.to_arrow().num_rows
    # Polars: the query's columns and filter go into the scan.
    women = s.to("polars").filter(pl.col("SEXO") == "3").select("DIAG_PRINC", "month").collect()
    assert s.stats.columns_converted < len(s.schema) and s.stats.rows_filtered_out == total - women.height
    # DuckDB: a relation that reads the scan again each time it is queried, on a given connection and name.
    con = duckdb.connect()
    relation = s.to("duckdb", con=con, name="rd")
    assert relation.count("*").fetchall() == relation.count("*").fetchall() == [(total,)]
    assert con.sql("SELECT count(*) FROM rd WHERE month = 2").fetchall()[0][0] == s.to_arrow()[
        "month"
    ].to_pylist().count(2)
    # DataFusion: a table of the given context, named after the dataset unless a name is given.
    ctx = datafusion_context()
    s.to("datafusion", ctx=ctx)
    s.to("datafusion", ctx=ctx, name="again")
    counted = ctx.sql("SELECT uf, count(*) AS n FROM sih_rd GROUP BY uf").to_arrow_table().to_pylist()
    assert counted == [{"uf": "AC", "n": total}]
    with_sex = total - s.to_arrow()["SEXO"].null_count  # SEXO as written: the context keeps the case of names
    assert ctx.sql("SELECT count(SEXO) AS n FROM again").to_arrow_table().to_pylist() == [{"n": with_sex}]
    # pandas: the options of pyarrow's to_pandas.
    assert type(s.to("pandas", date_as_object=True)["DT_INTER"].dropna().iloc[0]).__name__ == "date"
    assert s.to("ARROW").num_rows == total  # any case


def test_unknown_backends_and_options_name_what_is_accepted(source: str) -> None:
    s = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=source)
    with pytest.raises(arrow_sus.InvalidArgumentError, match=r"unknown backend 'spark': expected one of 'arrow', "):
        s.to("spark")
    with pytest.raises(arrow_sus.InvalidArgumentError, match="pip install pandas, polars, duckdb or datafusion"):
        s.to("spark")
    with pytest.raises(arrow_sus.InvalidArgumentError, match=r"backend 'duckdb' takes con=, name=, not ctx="):
        s.to("duckdb", ctx=None)
    with pytest.raises(arrow_sus.InvalidArgumentError, match=r"backend 'polars' takes no option, not n_rows="):
        s.to("polars", n_rows=3)


def test_a_missing_package_says_what_to_install(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    s = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=source)
    monkeypatch.setitem(sys.modules, "datafusion", None)  # as if it were not installed
    with pytest.raises(arrow_sus.MissingDependencyError, match=r"pip install datafusion") as raised:
        s.to("datafusion")
    assert isinstance(raised.value, ImportError)
