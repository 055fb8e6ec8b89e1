"""The command line as users expect it: one JSON shape, any-case dataset ids, errors in CLI terms, every
catalog id described, SQL results under the right headers, re-queryable DuckDB relations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sih_cli_env
from remote_servers import PUBLIC_ROOT
from scan_mirror import SIH_DIR
from typer.testing import CliRunner

import arrow_sus
from arrow_sus.cli import app

runner = CliRunner()
# The fixtures every test here runs with (a local SIH mirror as ARROW_SUS_SOURCE, a private cache, a temp cwd).
mirror = sih_cli_env.mirror
environment = sih_cli_env.environment


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1, f"{args}: one JSON document on one line, got {len(lines)} lines"
    return json.loads(lines[0])


def test_every_command_prints_one_json_object_under_json(tmp_path: Path) -> None:
    year = ["--uf", "AC", "--year", "2013"]
    documents = {
        "version": _json(["version", "--json"]),
        "datasets": _json(["datasets", "--json"]),
        "describe": _json(["describe", "sih-rd", "--json"]),
        "check": _json(["check", "sih-rd", *year, "--json"]),
        "files": _json(["files", "sih-rd", *year, "--json"]),
        "download": _json(["download", "sih-rd", *year, "--dest", "mirror", "--json"]),
        "stat": _json(["stat", f"{SIH_DIR}/RDAC1301.dbc", "--json"]),
        "get": _json(["get", "sih-rd", *year, "-o", "rd.parquet", "--json"]),
        "sql": _json(["sql", "SELECT count(*) AS n FROM sih_rd", *year, "--json"]),
        "convert": _json(["convert", f"mirror/{SIH_DIR}/RDAC1301.dbc", "-o", "one.csv", "--json"]),
        "cache info": _json(["cache", "info", "--json"]),
        "cache clear": _json(["cache", "clear", "--json"]),
    }
    for command, document in documents.items():
        assert isinstance(document, dict), command
    assert {d["id"] for d in documents["datasets"]["datasets"]} >= {"sih-rd", "sim-do"}
    assert [f["path"] for f in documents["files"]["files"]] == [f"{SIH_DIR}/RDAC1301.dbc", f"{SIH_DIR}/RDAC1302.dbc"]
    assert len(documents["download"]["downloaded"]) == 2 and documents["download"]["ok"]
    assert documents["stat"]["path"] == f"{SIH_DIR}/RDAC1301.dbc"
    assert documents["sql"]["rows"] == [{"n": documents["get"]["rows"]}]
    assert documents["convert"]["outputs"] == ["one.csv"]
    # JSON Lines only where asked for by name.
    lines = runner.invoke(app, ["files", "sih-rd", *year, "--jsonl"]).stdout.splitlines()
    assert [json.loads(line)["month"] for line in lines] == [1, 2]


def test_dataset_ids_in_any_case(tmp_path: Path) -> None:
    result = runner.invoke(app, ["get", "SIH-RD", "--uf", "ac", "--year", "2013", "-o", "rd.parquet", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["dataset"] == "sih-rd"
    assert len(arrow_sus.list_files("Sih-Rd", uf="AC", year=2013)) == 2
    assert arrow_sus.scan("SIH-rd", uf="AC", year=2013).dataset == "sih-rd"


def test_errors_name_command_line_options(tmp_path: Path) -> None:
    cases = {
        ("get", "sih-rd", "-o", "x.parquet"): "pass --year (",
        ("get", "sih-rd", "--year", "1-999999999", "-o", "x.parquet"): "--year 1 is out of range",
        ("get", "sih-rd", "--year", "2013", "--month", "13", "-o", "x.parquet"): "--month 13 is out of range",
        ("get", "sih-rd", "--year", "2013", "--cache-format", "csv", "-o", "x.parquet"): "--cache-format must be",
        ("get", "sih-rd", "--year", "2013", "-c", ",", "-o", "x.parquet"): "--columns names no column",
        ("get", "sih-rd", "--uf", "SP", "--year", "2013", "-o", "x.parquet"): "for --uf SP --year 2013",
        ("get", "sih-rd", "--year", "2013", "-o", "x.xlsx"): "give --format (",
        ("get", "sih-rd", "--year", "2013", "--uf", "", "-o", "x.parquet"): "leave it out for all",
    }
    for args, words in cases.items():
        result = runner.invoke(app, list(args))
        assert result.exit_code in (2, 3), (args, result.output)
        assert words in result.output, (args, result.output)
        assert "=" not in result.output.split("error:")[1].split("(")[0], (args, result.output)
    # The same checks speak Python from Python.
    with pytest.raises(arrow_sus.InvalidArgumentError, match=r"pass year \(.*e\.g\. year=2023"):
        arrow_sus.scan("sih-rd")


def test_describe_works_for_every_catalog_id() -> None:
    for dataset in arrow_sus.datasets().column("id").to_pylist():
        result = runner.invoke(app, ["describe", dataset])
        # 3: no field list compiled in (the message says how to read one from a server).
        assert result.exit_code in (0, 3), (dataset, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), dataset
    described = runner.invoke(app, ["describe", "aux-cid10", "--json"])
    assert described.exit_code == 0, described.output
    assert json.loads(described.stdout)["period"] == "any"


def test_sql_keeps_duplicate_column_names_apart() -> None:
    query = "SELECT 1 AS a, 2 AS a, 3 AS b, count(*) AS a FROM sih_rd"
    doc = _json(["sql", query, "--uf", "AC", "--year", "2013", "--json"])
    assert doc["columns"] == ["a", "a_1", "b", "a_2"]
    assert doc["rows"][0]["a"] == 1 and doc["rows"][0]["a_1"] == 2 and doc["rows"][0]["b"] == 3
    table = runner.invoke(app, ["sql", query, "--uf", "AC", "--year", "2013"])
    header, values = [line for line in table.stdout.splitlines() if "│" in line or "┃" in line][:2]
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == ["a", "a_1", "b", "a_2"], table.stdout
    assert [c.strip() for c in values.strip("│ ").split("│")][:3] == ["1", "2", "3"], table.stdout


def test_sql_reports_a_failed_scan_with_its_own_class(mirror: Path, tmp_path: Path, monkeypatch) -> None:
    broken = tmp_path / "broken" / PUBLIC_ROOT / SIH_DIR
    broken.mkdir(parents=True)
    good = (mirror / SIH_DIR / "RDAC1301.dbc").read_bytes()
    (broken / "RDAC1301.dbc").write_bytes(good[: len(good) // 2])  # cut in the middle of its records
    monkeypatch.setenv("ARROW_SUS_SOURCE", (tmp_path / "broken" / PUBLIC_ROOT).as_uri())
    result = runner.invoke(app, ["sql", "SELECT count(*) FROM sih_rd", "--uf", "AC", "--year", "2013"])
    assert result.exit_code == 1, result.output  # a corrupt file, not a usage error
    assert "RDAC1301.dbc" in result.output


def test_duckdb_relations_can_be_queried_again() -> None:
    s = arrow_sus.scan("sih-rd", uf="AC", year=2013)
    expected = s.to_arrow().num_rows
    relation = s.to_duckdb()
    assert relation.aggregate("count(*)").fetchall() == relation.aggregate("count(*)").fetchall() == [(expected,)]
    named = s.to_duckdb(name="rd")
    assert named.count("*").fetchall() == [(expected,)]
    assert named.count("*").fetchall() == [(expected,)]
