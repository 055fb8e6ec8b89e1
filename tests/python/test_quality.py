"""arrow_sus.check and ``arrow-sus check``: the quality report on files written here with known nulls, unmapped
codes, invalid dates, out-of-range values and mixed code systems — read from a path, as a table and through a scan
— and on real corpus files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from dbf_factory import Dbf, Field
from remote_servers import PUBLIC_ROOT
from typer.testing import CliRunner

import arrow_sus
from arrow_sus.cli import app
from arrow_sus.codec import compress_dbf
from arrow_sus.quality import PROBLEMS

TODAY = dt.date(2024, 1, 1)
SIM_DIR = "SIM/CID10/DORES"

SIM_FIELDS = [
    Field("SEXO", "C", 1),
    Field("IDADE", "C", 3),
    Field("DTOBITO", "C", 8),
    Field("PESO", "C", 4),
    Field("CAUSABAS", "C", 4),
    Field("LINHAA", "C", 20),
]
# Known problems: SEXO 7 twice (unmapped); IDADE 599 = 199 years; DTOBITO 31022020 (not a date), 01011890 and
# 01012099 (out of range); PESO -100 g; CAUSABAS 4109 (CID-9 in a CID-10 column; 0000 is no code: both unmapped,
# CID-10 lacks them); LINHAA one row
# with a CID-9 code among its codes. Blank cells are nulls.
SIM_ROWS = [
    [b"1", b"462", b"15032020", b"3250", b"I219", b"*I219*4109"],
    [b"2", b"599", b"31022020", b"-100", b"4109", b"*J189"],
    [b"7", b"307", b"", b"", b"0000", b""],
    [b"7", b"", b"01011890", b"2000", b"A09", b"*A09X"],
    [b"0", b"410", b"01012099", b"1500", b"", b"*I10X*E149"],
]
EXPECTED = {  # column: (nulls, unmapped, invalid dates, out of range, mixed)
    "SEXO": (0, 2, None, None, None),
    "IDADE_ANOS": (1, None, None, 1, None),
    "DTOBITO": (2, None, 1, 2, None),
    "PESO": (1, None, None, 1, None),
    "CAUSABAS": (1, 2, None, None, 1),
    "LINHAA": (1, None, None, None, 1),
}


def sim_file(directory: Path, name: str = "DOAC2020.dbf") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    dbf = Dbf(SIM_FIELDS, SIM_ROWS).build()
    path.write_bytes(compress_dbf(dbf) if name.lower().endswith(".dbc") else dbf)
    return path


def counts(report: arrow_sus.QualityReport) -> dict[str, tuple]:
    rows = {r["column"]: r for r in report.table.to_pylist()}
    return {c: tuple(rows[c][k] for k in ("nulls", *PROBLEMS)) for c in EXPECTED}


def test_a_file_with_known_problems(tmp_path: Path) -> None:
    report = arrow_sus.check(sim_file(tmp_path), today=TODAY)
    assert counts(report) == EXPECTED
    rows = {r["column"]: r for r in report.table.to_pylist()}
    assert rows["SEXO"]["examples"] == ["7"]
    assert rows["DTOBITO"]["examples"][0] == "31022020" and "1890-01-01" in rows["DTOBITO"]["examples"]
    assert (
        rows["CAUSABAS"]["examples"] == ["0000", "4109"] and rows["CAUSABAS"]["rule"] == "no CID-9 codes (digits only)"
    )
    assert rows["CAUSABAS"]["arrow_type"].startswith("dictionary") and rows["LINHAA"]["arrow_type"] == "string"
    assert rows["IDADE_ANOS"]["kind"] == "derived" and rows["IDADE_ANOS"]["rule"] == "0 ≤ value ≤ 130"
    assert rows["PESO"]["rule"] == "0 ≤ value" and rows["IDADE"]["out_of_range"] is None
    assert all(r["rows"] == 5 for r in rows.values())
    assert "SEXO_label" not in rows
    s = report.summary
    assert (s["rows"], s["files"], s["dataset"], s["year"]) == (5, 1, "sim-do", 2020)
    assert [s[p] for p in PROBLEMS] == [4, 1, 4, 2] and s["columns_with_problems"] == 6
    assert "SEXO" in repr(report) and report.problems().num_rows == 6
    assert report.to_dict()["summary"] == s


def test_a_table_as_it_was_read(tmp_path: Path) -> None:
    path = sim_file(tmp_path)
    report = arrow_sus.check(arrow_sus.read_dbf(path), today=TODAY)
    got = counts(report)
    assert got["SEXO"] == EXPECTED["SEXO"] and got["CAUSABAS"] == EXPECTED["CAUSABAS"]
    assert got["DTOBITO"] == (2, None, None, 2, None)  # the file is not read again: dates per column unknown
    assert any("invalid values when the table was read" in n for n in report.summary["notes"])
    # Read as text (typed=False), dates are judged on the table itself; the dataset given explicitly.
    plain = arrow_sus.read_dbf(path, typed=False, codes_as="string")
    report = arrow_sus.check(plain.replace_schema_metadata({}), dataset="sim-do", year=2020, today=TODAY)
    rows = {r["column"]: r for r in report.table.to_pylist()}
    assert rows["DTOBITO"]["invalid_dates"] == 1 and rows["SEXO"]["unmapped_codes"] == 2
    # Without a dataset, only what the types say.
    bare = arrow_sus.check(plain.replace_schema_metadata({}), today=TODAY)
    assert bare.summary["dataset"] is None and bare.summary["unmapped_codes"] == 0


def test_a_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "mirror" / PUBLIC_ROOT
    sim_file(root / SIM_DIR, "DOAC2020.dbc")
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    s = arrow_sus.scan("sim-do", uf="AC", year=2020, source=root.as_uri(), labels=True, codes_as="string")
    for _ in range(2):  # the second time from the converted cache: dates are judged on the raw text all the same
        seen: list[arrow_sus.quality.CheckProgress] = []
        report = arrow_sus.check(s, today=TODAY, progress=seen.append)
        assert counts(report) == EXPECTED
        assert seen and seen[-1].rows == 5 and seen[-1].files == 1 and seen[-1].files_done <= 1
    narrowed = arrow_sus.scan("sim-do", uf="AC", year=2020, source=root.as_uri(), filters=[("SEXO", "=", "7")])
    rows = {r["column"]: r for r in arrow_sus.check(narrowed, today=TODAY).table.to_pylist()}
    assert rows["SEXO"]["rows"] == 2 and rows["SEXO"]["unmapped_codes"] == 2 and rows["DTOBITO"]["out_of_range"] == 1
    by_age = arrow_sus.scan("sim-do", uf="AC", year=2020, source=root.as_uri(), filters=[("IDADE_ANOS", ">", 100)])
    report = arrow_sus.check(by_age, today=TODAY)
    assert report.summary["rows"] == 1 and any("invalid dates not counted" in n for n in report.summary["notes"])


def test_dbf_dates_and_cid10_codes_in_a_cid9_column(tmp_path: Path) -> None:
    sinan = tmp_path / "DENGBR20.dbf"
    fields = [Field("DT_NOTIFIC", "D", 8), Field("CS_SEXO", "C", 1)]
    sinan.write_bytes(Dbf(fields, [[b"20200230", b"M"], [b"20200105", b"F"], [b"", b"X"]]).build())
    rows = {r["column"]: r for r in arrow_sus.check(sinan, today=TODAY).table.to_pylist()}
    assert rows["DT_NOTIFIC"]["invalid_dates"] == 1 and rows["DT_NOTIFIC"]["nulls"] == 2
    assert rows["CS_SEXO"]["unmapped_codes"] == 1
    cid9 = tmp_path / "DORAC95.dbf"
    cid9.write_bytes(Dbf([Field("CAUSABAS", "C", 4)], [[b"4109"], [b"I219"], [b"E800"], [b"V01"]]).build())
    rows = {r["column"]: r for r in arrow_sus.check(cid9, today=TODAY).table.to_pylist()}
    # I219 is CID-10 (mixed), and neither it nor V01 is in the CID-9 table (unmapped).
    assert rows["CAUSABAS"]["mixed_codes"] == 1 and rows["CAUSABAS"]["unmapped_codes"] == 2
    assert rows["CAUSABAS"]["examples"] == ["I219", "V01"]


def test_wrong_input() -> None:
    with pytest.raises(arrow_sus.InvalidArgumentError, match="check"):
        arrow_sus.check(42)
    with pytest.raises(arrow_sus.NotFoundError):
        arrow_sus.check("no-such-file.dbc")


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "mirror" / PUBLIC_ROOT
    sim_file(root / SIM_DIR, "DOAC2020.dbc")
    monkeypatch.setenv("ARROW_SUS_SOURCE", root.as_uri())
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    result = runner.invoke(app, ["check", "sim-do", "--uf", "AC", "--year", "2020", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["dataset"] == "sim-do" and doc["summary"]["unmapped_codes"] == 4
    assert {c["column"]: c["mixed_codes"] for c in doc["columns"]}["CAUSABAS"] == 1
    table = runner.invoke(app, ["check", "sim-do", "--uf", "AC", "--year", "2020", "--columns", "SEXO,DTOBITO"])
    assert table.exit_code == 0 and "SEXO" in table.stdout and "CAUSABAS" not in table.stdout, table.output
    missing = runner.invoke(app, ["check", "sim-do", "--uf", "AC", "--year", "1999"])
    assert missing.exit_code == 3 and "Traceback" not in missing.output
    bad_where = runner.invoke(app, ["check", "sim-do", "--uf", "AC", "--year", "2020", "--where", "SEXO =="])
    assert bad_where.exit_code == 2 and "Traceback" not in bad_where.output
    coded = runner.invoke(app, ["check", "sim-do", "--uf", "AC", "--year", "2020", "--where", "IDADE >= 460"])
    assert coded.exit_code == 0 and "IDADE_ANOS" in coded.stderr  # the coded-age warning, one line


def test_corpus_files(corpus: Path) -> None:
    for name in ("DOTO2022.dbc", "RDAC2401.dbc", "DNAP2019.dbc", "DORRO79.DBC", "CHAGBR03.dbc"):
        report = arrow_sus.check(corpus / name)
        table = arrow_sus.read_dbc(corpus / name)
        assert report.summary["rows"] == table.num_rows, name
        rows = {r["column"]: r for r in report.table.to_pylist()}
        for column in table.column_names:
            if column.endswith("_label"):
                continue
            assert rows[column]["nulls"] == table.column(column).null_count, (name, column)
        assert report.summary["invalid_dates"] == 0, name  # DATASUS dates of these files all parse
    later = dt.date(2026, 5, 1)  # after every date of the file
    rd = {r["column"]: r for r in arrow_sus.check(corpus / "RDAC2401.dbc", today=later).table.to_pylist()}
    assert rd["NASC"]["out_of_range"] == 1 and rd["NASC"]["examples"] == ["1899-12-30"]
    assert rd["DIAG_PRINC"]["mixed_codes"] == 0
