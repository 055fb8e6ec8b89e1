"""``arrow-sus get`` and ``arrow-sus sql`` over a mirror made by the tests: outputs, --json, exit codes."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from remote_servers import PUBLIC_ROOT
from scan_mirror import build_sih_mirror
from typer.testing import CliRunner

import arrow_sus
from arrow_sus import ScanStats
from arrow_sus.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("srv") / PUBLIC_ROOT
    return root, build_sih_mirror(root)


@pytest.fixture(autouse=True)
def environment(mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_SUS_SOURCE", mirror[0].as_uri())
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))


def test_get_parquet_with_json_summary(mirror, tmp_path: Path) -> None:
    _, files = mirror
    out = tmp_path / "rd.parquet"
    args = ["get", "sih-rd", "--uf", "AC,RJ", "--year", "2013", "--month", "1-2", "-o", str(out), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    expected = sum(f.rows for f in files if f.year == 2013)
    assert summary["rows"] == expected == pq.read_table(out).num_rows
    assert summary["files"] == 4 and summary["columns"] == 10
    assert summary["bytes_written"] == out.stat().st_size


def test_get_json_and_table_show_the_scan_statistics(mirror, tmp_path: Path) -> None:
    _, files = mirror
    in_ac = [f for f in files if f.uf == "AC" and f.year == 2013]
    out = tmp_path / "women.parquet"
    args = ["get", "sih-rd", "--uf", "AC", "--year", "2013", "-c", "IDADE", "-w", "SEXO = '3'", "-o", str(out)]
    for cached in (0, len(in_ac)):  # fills the cache, then reads from it
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        stats = summary["stats"]
        assert set(stats) == {f.name for f in dataclasses.fields(ScanStats)}
        assert stats["files_planned"] == stats["files_done"] == len(in_ac)
        assert stats["files_from_cache"] == summary["files_from_cache"] == cached
        assert stats["records_scanned"] == sum(f.rows for f in in_ac)
        assert stats["rows"] == summary["rows"] == stats["records_scanned"] - stats["rows_filtered_out"]
        assert stats["rows_filtered_out"] > 0
    assert stats["columns_converted"] == 0 and stats["columns_read_from_cache"] == 2 * len(in_ac)
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert f"{stats['rows_filtered_out']:,} filtered out" in table.output


def test_get_columns_where_and_formats(mirror, tmp_path: Path) -> None:
    for suffix in (".csv", ".arrow", ".jsonl"):
        out = tmp_path / f"rd{suffix}"
        args = ["get", "sih-rd", "--uf", "AC", "--year", "2013", "-c", "SEXO,IDADE", "-w", "SEXO = '3'", "-o", str(out)]
        result = runner.invoke(app, [*args, "--quiet"])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    lines = (tmp_path / "rd.jsonl").read_text().splitlines()
    assert all(json.loads(line)["SEXO"] == "3" for line in lines)


def test_get_arrow_file_holds_the_codes_of_every_file(mirror, tmp_path: Path) -> None:
    # An Arrow IPC file holds one dictionary per column; each DATASUS file brings its own (and a file's grows
    # batch by batch): the output unifies them over the stream.
    out = tmp_path / "rd.arrow"
    result = runner.invoke(app, ["get", "sih-rd", "--year", "2013", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    written = pa.ipc.open_file(out).read_all()
    expected = arrow_sus.scan("sih-rd", year=2013, cache=False).to_arrow()
    assert pa.types.is_dictionary(written.schema.field("DIAG_PRINC").type)
    for name in expected.column_names:
        a, b = expected.column(name), written.column(name)
        a = a.cast(a.type.value_type) if pa.types.is_dictionary(a.type) else a
        b = b.cast(b.type.value_type) if pa.types.is_dictionary(b.type) else b
        assert a.equals(b), name
    assert len(written.to_pandas()) == expected.num_rows


def test_get_partitioned_directory(mirror, tmp_path: Path) -> None:
    out = tmp_path / "parts"
    out.mkdir()
    result = runner.invoke(app, ["get", "sih-rd", "--year", "2012-2013", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["uf=AC", "uf=RJ"]
    assert {p.name for p in (out / "uf=AC").iterdir()} == {"year=2012", "year=2013"}


def test_get_errors_and_exit_codes(tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    missing_year = runner.invoke(app, ["get", "sih-rd", "-o", str(out)])
    assert missing_year.exit_code == 2 and "pass --year" in missing_year.output
    unknown = runner.invoke(app, ["get", "sih-rdd", "--year", "2013", "-o", str(out)])
    assert unknown.exit_code == 3 and "did you mean sih-rd" in unknown.output
    nothing = runner.invoke(app, ["get", "sih-rd", "--uf", "SP", "--year", "2013", "-o", str(out)])
    assert nothing.exit_code == 3 and "no sih-rd files" in nothing.output
    bad_where = runner.invoke(app, ["get", "sih-rd", "--year", "2013", "-w", "SEXO ===", "-o", str(out)])
    assert bad_where.exit_code == 2
    assert not out.exists()


def test_sql(mirror) -> None:
    _, files = mirror
    query = "SELECT SEXO, count(*) AS n FROM sih_rd GROUP BY SEXO ORDER BY SEXO NULLS LAST"
    result = runner.invoke(app, ["sql", query, "--uf", "AC", "--year", "2013", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["columns"] == ["SEXO", "n"] and doc["row_count"] == len(doc["rows"])
    rows = doc["rows"]
    assert sum(r["n"] for r in rows) == sum(f.rows for f in files if f.uf == "AC" and f.year == 2013)
    no_dataset = runner.invoke(app, ["sql", "SELECT 1", "--year", "2013"])
    assert no_dataset.exit_code == 2 and "names no dataset" in no_dataset.output


def test_cache_format_option(mirror, tmp_path: Path) -> None:
    from arrow_sus import cache

    out = tmp_path / "rd.parquet"
    args = ["get", "sih-rd", "--uf", "AC", "--year", "2013", "-o", str(out), "--json", "--cache-format", "parquet"]
    assert runner.invoke(app, args).exit_code == 0
    again = json.loads(runner.invoke(app, args).stdout)
    assert again["files_from_cache"] == again["files"] == 2
    assert set(cache.entries().column("format").to_pylist()) == {"parquet"}
    query = "SELECT count(*) AS n FROM sih_rd"
    result = runner.invoke(app, ["sql", query, "--uf", "AC", "--year", "2013", "--json", "--cache-format", "ipc"])
    assert result.exit_code == 0, result.output
    assert sorted(cache.entries().column("format").to_pylist()) == ["ipc", "ipc", "parquet", "parquet"]
    info = json.loads(runner.invoke(app, ["cache", "info", "--json"]).stdout)
    assert (info["ipc_entries"], info["parquet_entries"], info["converted_entries"]) == (2, 2, 4)
    assert json.loads(runner.invoke(app, ["cache", "clear", "--kind", "parquet", "--json"]).stdout) == {"removed": 2}
    assert cache.entries().column("format").to_pylist() == ["ipc", "ipc"]
    bad = runner.invoke(app, ["get", "sih-rd", "--year", "2013", "-o", str(out), "--cache-format", "csv"])
    assert bad.exit_code == 2 and "--cache-format must be one of 'ipc', 'parquet', 'ipc-uncompressed'" in bad.output
