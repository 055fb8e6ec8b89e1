"""``arrow-sus sql --engine duckdb|datafusion|polars`` with per-table partitions (``--table sih_rj:uf=RJ,year=2012``)
and the source columns, over a mirror the test writes: every engine gives the same answer; bad ``--table`` and
``--engine`` values are usage errors that name the option."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pytest
from remote_servers import PUBLIC_ROOT
from scan_mirror import SIH_DIR, build_sih_mirror
from typer.testing import CliRunner

from arrow_sus.cli import app

pytest.importorskip("datafusion")

runner = CliRunner()
ENGINES = ("duckdb", "datafusion", "polars")


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory):
    """SIH-RD files for AC and RJ (2012-12, 2013-01, 2013-02), and the same files as SIH-RJ (rejected
    admissions): two datasets, so that each table can be given its own partitions."""
    root = tmp_path_factory.mktemp("srv") / PUBLIC_ROOT
    files = build_sih_mirror(root)
    for f in files:
        shutil.copy2(root / f.path, root / SIH_DIR / f"RJ{Path(f.path).name[2:]}")
    return root, files


@pytest.fixture(autouse=True)
def environment(mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_SUS_SOURCE", mirror[0].as_uri())
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def _sql(*args: str) -> dict:
    result = runner.invoke(app, ["sql", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


COUNTS = """
SELECT 'rd' AS t, uf, year, month, count(*) AS n FROM sih_rd GROUP BY uf, year, month
UNION ALL
SELECT 'rj' AS t, uf, year, month, count(*) AS n FROM sih_rj GROUP BY uf, year, month
ORDER BY t, uf, year, month
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_each_table_has_its_own_partitions_and_source_columns(mirror, engine: str) -> None:
    _, files = mirror
    rows = {(f.uf, f.year, f.month): f.rows for f in files}
    tables = ["--table", "sih_rd:uf=AC,year=2013", "--table", "sih_rj:uf=RJ,AC,year=2012"]
    doc = _sql(COUNTS, *tables, "--engine", engine)
    assert doc["columns"] == ["t", "uf", "year", "month", "n"]
    assert doc["rows"] == [
        {"t": "rd", "uf": "AC", "year": 2013, "month": 1, "n": rows["AC", 2013, 1]},
        {"t": "rd", "uf": "AC", "year": 2013, "month": 2, "n": rows["AC", 2013, 2]},
        {"t": "rj", "uf": "AC", "year": 2012, "month": 12, "n": rows["AC", 2012, 12]},
        {"t": "rj", "uf": "RJ", "year": 2012, "month": 12, "n": rows["RJ", 2012, 12]},
    ]
    # What a --table leaves out comes from --uf/--year/--month; tables without a --table take those.
    doc = _sql(COUNTS, "--uf", "RJ", "--year", "2013", "--month", "2", "-t", "sih_rj:year=2012,month=12", "-e", engine)
    assert [(r["t"], r["uf"], r["year"], r["month"]) for r in doc["rows"]] == [
        ("rd", "RJ", 2013, 2),
        ("rj", "RJ", 2012, 12),
    ]


def test_every_engine_gives_the_same_answer() -> None:
    query = (
        "SELECT a.uf, a.month, count(*) AS n, sum(a.VAL_TOT) AS total FROM sih_rd a "
        "JOIN sih_rj b ON a.DIAG_PRINC = b.DIAG_PRINC AND a.uf = b.uf "
        "WHERE a.SEXO = '3' GROUP BY a.uf, a.month ORDER BY a.uf, a.month"
    )
    tables = ["--table", "sih_rd:year=2013", "--table", "sih_rj:year=2012"]
    answers = {engine: _sql(query, *tables, "--engine", engine) for engine in ENGINES}
    assert answers["duckdb"]["row_count"] == 4  # AC and RJ, January and February
    for engine, doc in answers.items():
        assert doc["columns"] == ["uf", "month", "n", "total"], engine
        assert [{**r, "total": round(r["total"], 2)} for r in doc["rows"]] == [
            {**r, "total": round(r["total"], 2)} for r in answers["duckdb"]["rows"]
        ], engine


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_write_outputs(engine: str, tmp_path: Path) -> None:
    query = "SELECT uf, count(*) AS n FROM sih_rd GROUP BY uf ORDER BY uf"
    result = runner.invoke(app, ["sql", query, "--year", "2013", "-e", engine, "-o", "counts.csv"])
    assert result.exit_code == 0, result.output
    assert pacsv.read_csv(tmp_path / "counts.csv").column("uf").to_pylist() == ["AC", "RJ"]


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("sih_rd:state=AC", "'state' is not a partition: give uf=, year= or month="),
        ("sih_rd:uf=XX", "uf=XX"),
        ("sih_rd:year=soon", "year=soon"),
        ("sih_rd:", "gives no partition"),
        ("sih_rd:uf=,year=2013", "uf= has no value"),
        ("sih_rd:AC", "'AC' is not NAME=VALUE"),
        ("sih_rd:year=2013,year=2012", "year= is given twice"),
        ("nothing_here:year=2013", "nothing_here"),
        (":year=2013", "names no table"),
    ],
)
def test_a_bad_table_is_a_usage_error_naming_the_option(spec: str, said: str) -> None:
    result = runner.invoke(app, ["sql", "SELECT count(*) FROM sih_rd", "--table", spec])
    assert result.exit_code == 2, result.output
    assert f"--table {spec!r}" in result.output and said in result.output
    assert "Traceback" not in result.output


def test_a_table_given_twice_or_a_bad_engine_is_a_usage_error() -> None:
    twice = runner.invoke(app, ["sql", "SELECT 1 FROM sih_rd", "-t", "sih_rd:year=2013", "-t", "sih-rd:year=2012"])
    assert twice.exit_code == 2 and "--table sih_rd is given twice" in twice.output
    engine = runner.invoke(app, ["sql", "SELECT 1 FROM sih_rd", "--year", "2013", "--engine", "spark"])
    assert engine.exit_code == 2 and "--engine must be one of 'duckdb', 'datafusion', 'polars'" in engine.output


def test_a_missing_engine_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datafusion", None)  # as if it were not installed
    result = runner.invoke(app, ["sql", "SELECT 1 FROM sih_rd", "--year", "2013", "--engine", "datafusion"])
    assert result.exit_code == 1 and "pip install datafusion" in result.output


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_report_a_failed_scan_with_its_own_class(
    engine: str, mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken" / PUBLIC_ROOT / SIH_DIR
    broken.mkdir(parents=True)
    good = (mirror[0] / SIH_DIR / "RDAC1301.dbc").read_bytes()
    (broken / "RDAC1301.dbc").write_bytes(good[: len(good) // 2])  # cut in the middle of its records
    monkeypatch.setenv("ARROW_SUS_SOURCE", (tmp_path / "broken" / PUBLIC_ROOT).as_uri())
    result = runner.invoke(app, ["sql", "SELECT count(*) FROM sih_rd", "-t", "sih_rd:uf=AC,year=2013", "-e", engine])
    assert result.exit_code == 1, result.output  # a corrupt file, not a usage error
    assert "RDAC1301.dbc" in result.output


@pytest.mark.parametrize("engine", ("datafusion", "polars"))
def test_a_wrong_query_is_a_usage_error(engine: str) -> None:
    result = runner.invoke(app, ["sql", "SELECT nope FROM sih_rd", "--year", "2013", "--engine", engine])
    assert result.exit_code == 2, result.output
    assert "nope" in result.output and "Traceback" not in result.output
