"""describe(): complete data dictionaries for every catalog id, built on the compiled dictionaries — every field of
every layout period, the Arrow types the readers deliver (checked against real reads), meanings with their sources,
code lists, the years a dataset has (catalog or file index), and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import ROOT
from dbf_factory import Dbf, Field
from test_catalog import datasus_corpus_files, header_fields
from test_quality import SIM_FIELDS, sim_file
from typer.testing import CliRunner

import arrow_sus
from arrow_sus._native import _core
from arrow_sus.catalog import delivered_schema, describe, parse_path
from arrow_sus.catalog.index import index_from_listing, save_index
from arrow_sus.cli import app

runner = CliRunner()
IDS = arrow_sus.datasets().column("id").to_pylist()


@pytest.fixture(autouse=True)
def no_file_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Years come from the catalog unless a test stores a file index in its own cache."""
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))


def test_every_catalog_id_is_described() -> None:
    for dataset in IDS:
        for language in ("pt", "en"):
            d = describe(dataset, language=language)
            assert d.dataset == dataset and d.language == language
            assert d.table.schema.names[:5] == ["name", "dbf_type", "length", "decimals", "arrow_type"]
            assert d.table.num_rows > 0 or d.note, dataset
            assert dataset in repr(d)
        variants = _core.catalog_schemas(dataset)
        for variant in variants[:1] + variants[-1:]:
            year, month = divmod(variant["last"], 100)
            if year:
                assert describe(dataset, year=year, month=month or None).table.num_rows > 0, (dataset, year)


def test_every_catalog_id_from_the_cli() -> None:
    tables_shown: set[str] = set()
    for row in arrow_sus.datasets().select(["id", "system"]).to_pylist():
        result = runner.invoke(app, ["describe", row["id"], "--json"])
        assert result.exit_code == 0, (row["id"], result.output)
        assert json.loads(result.stdout)["dataset"] == row["id"]
        if row["system"] not in tables_shown:  # the readable table, once per system (rendering is slow)
            tables_shown.add(row["system"])
            shown = runner.invoke(app, ["describe", row["id"], "--language", "en"])
            assert shown.exit_code == 0 and row["id"] in shown.stdout, (row["id"], shown.output)
    doc = json.loads(runner.invoke(app, ["describe", "aux-cid10", "--json"]).stdout)
    assert doc["period"] == "any" and doc["columns"]


def test_every_field_of_every_layout_period_with_its_meaning_per_period() -> None:
    rows = describe("sih-rd").table.to_pylist()
    nasc = [r for r in rows if r["name"] == "NASC"]
    assert [(r["dbf_type"], r["length"], r["kind"], r["years"]) for r in nasc] == [
        ("C", 6, "text", "1992..1997"),
        ("C", 8, "date", "2008.."),
    ]
    assert nasc[0]["periods"] == ["1997-05"] and nasc[1]["arrow_type"] == "date32[day]"
    assert [r["reference"] for r in rows if r["name"] == "DIAG_PRINC"] == ["cid9", "cid10"]
    every_layout_field = {f[0] for v in _core.catalog_schemas("sih-rd") for f in v["fields"]}
    assert every_layout_field <= {r["name"] for r in rows}
    ages = [r for r in rows if r["name"] == "IDADE_ANOS"]
    assert len(ages) == 1 and ages[0]["kind"] == "derived" and ages[0]["derived_from"] == "IDADE,COD_IDADE"
    assert ages[0]["arrow_type"] == "double"


def test_one_period() -> None:
    d = describe("sih-rd", year=2023)
    assert d.period == "2023" and d.note is None
    rows = {r["name"]: r for r in d.table.to_pylist()}
    assert rows["DT_INTER"]["kind"] == "date" and rows["DT_INTER"]["date_format"] == "YYYYMMDD"
    assert rows["DT_INTER"]["arrow_type"] == "date32[day]"
    assert rows["MUNIC_RES"]["reference"] == "municipality"
    assert rows["MUNIC_RES"]["arrow_type"] == "dictionary<values=string, indices=int32, ordered=0>"
    assert rows["VAL_TOT"]["arrow_type"] == "double" and rows["VAL_TOT"]["unit"] == "BRL"
    assert rows["SEXO"]["arrow_type"].startswith("dictionary<values=string")
    assert rows["SEXO"]["code_list"] and rows["SEXO"]["codes"] >= 2
    assert rows["SEXO"]["status"] == "verified" and rows["SEXO"]["document"] and rows["SEXO"]["pages"]
    assert "2014-12..2024-01" in rows["DIAGSEC1"]["periods"]
    assert rows["IDADE_ANOS"]["derived_from"] == "IDADE,COD_IDADE"
    sim = {r["name"]: r for r in describe("sim-do", year=2022).table.to_pylist()}
    assert sim["IDADE"]["age_encoding"] == "sim" and sim["PESO"]["unit"] == "g"
    assert sim["LINHAA"]["reference"] == "cid10" and sim["LINHAA"]["separator"] == "*"
    older = describe("sih-rd", year=2005)
    assert "no file of 2005" in (older.note or "")
    with pytest.raises(arrow_sus.NotFoundError):
        describe("no-such-dataset")
    with pytest.raises(arrow_sus.InvalidArgumentError):
        describe("sih-rd", language="es")


def test_sinan_diseases_from_their_dictionaries() -> None:
    d = describe("sinan-deng", year=2024, language="en")
    rows = {r["name"]: r for r in d.table.to_pylist()}
    assert d.name == "Dengue" and len(rows) > 100
    assert rows["CS_SEXO"]["code_list"] and rows["CS_SEXO"]["dbf_type"] is None  # no sampled file
    assert rows["NU_IDADE_N"]["age_encoding"] == "sinan"
    assert all(r["description_en"] and r["status"] in ("verified", "derived") for r in rows.values())
    assert "CS_SEXO" in repr(d) and "Female" not in repr(d)


def test_code_list() -> None:
    d = describe("sim-do", year=2022, language="en")
    codes = d.code_list("sexo")
    assert codes.schema.names == ["code", "last", "label", "label_pt", "label_en", "status", "source"]
    rows = {r["code"]: r for r in codes.to_pylist()}
    assert rows["1"]["label"] == rows["1"]["label_en"] == "Male" and rows["2"]["label_pt"] == "feminino"
    assert rows["1"]["status"] == "verified" and rows["1"]["source"] == "Estrutura_do_SIM_2025.md p. 1"
    # A derived list says why in its source (SIH CID-CR's age units: checked against dates in real files).
    units = describe("cih-cr", year=2010).code_list("COD_IDADE").to_pylist()
    assert {r["status"] for r in units} == {"derived"} and units[0]["source"].startswith("the 2016-03 note")
    assert codes.num_rows == {r["name"]: r for r in d.table.to_pylist()}["SEXO"]["codes"]
    with pytest.raises(arrow_sus.NotFoundError, match="reference table 'cid10'"):
        d.code_list("CAUSABAS")
    with pytest.raises(arrow_sus.NotFoundError, match="no column"):
        d.code_list("NOPE")
    with pytest.raises(arrow_sus.NotFoundError, match="no code list"):
        d.code_list("NUMERODO")


def test_years_from_the_listing_the_catalog_and_the_file_index(tmp_path: Path) -> None:
    d = describe("sih-rd")
    assert d.years == tuple(range(1992, 2027)) and d.years_source == "server listing 2026-04-30"
    assert d.months[2008] == tuple(range(1, 13)) and d.months[2026] == (1, 2)
    assert describe("sinan-deng").months == {} and describe("sinan-deng").years == tuple(range(2000, 2027))
    # Gaps in the listing show: CNES-EE stops in 2018 but for two later months.
    ee = describe("cnes-ee")
    assert ee.years[-3:] == (2018, 2019, 2021) and ee.months[2019] == (12,) and ee.months[2021] == (7,)
    assert "2007..2019, 2021" in repr(ee)
    chunked = describe("sih-ch")  # not on the listing: the periods of its catalog layouts
    assert chunked.years_source.startswith("catalog") and chunked.years
    assert describe("aux-cid10").years == ()
    listing = [
        ("/dissemin/publicos/SIHSUS/200801_/Dados/RDAC2301.dbc", 10, "2023-03-01T00:00:00"),
        ("/dissemin/publicos/SIHSUS/200801_/Dados/RDSP2303.dbc", 10, "2023-05-01T00:00:00"),
        ("/dissemin/publicos/SIHSUS/200801_/Dados/RDAC2412.dbc", 10, "2025-02-01T00:00:00"),
    ]
    save_index(index_from_listing(listing, source="ftp://example", generated_at="2026-05-01T00:00:00Z"))
    indexed = describe("sih-rd")
    assert indexed.years == (2023, 2024) and indexed.months == {2023: (1, 3), 2024: (12,)}
    assert indexed.years_source == "file index 2026-05-01T00:00:00Z"
    assert describe("sim-do").years_source.startswith("server listing")  # the index lists none of its files


def test_dataset_without_a_field_list_reads_one_from_the_source(tmp_path: Path) -> None:
    from arrow_sus.codec import compress_dbf

    empty = describe("sinan-espo")
    assert empty.table.num_rows == 0 and "pass source=" in (empty.note or "")
    documented = describe("sinan-anim", year=2019)
    assert documented.table.num_rows > 0 and documented.table.column("dbf_type").null_count == documented.table.num_rows
    target = tmp_path / "SINAN" / "DADOS" / "FINAIS" / "ANIMBR19.dbc"
    target.parent.mkdir(parents=True)
    fields = [Field("NU_NOTIFIC", "C", 7), Field("DT_NOTIFIC", "D", 8), Field("NU_IDADE_N", "N", 4)]
    target.write_bytes(compress_dbf(Dbf(fields, [[b"1", b"20190101", b"4010"]]).build()))
    table = describe("sinan-anim", year=2019, source=tmp_path.as_uri()).table
    read = {r["name"]: r for r in table.to_pylist() if r["dbf_type"]}
    assert list(read) == ["NU_NOTIFIC", "DT_NOTIFIC", "NU_IDADE_N"]
    assert [read[n]["arrow_type"] for n in read] == ["string", "date32[day]", "int32"]
    assert read["NU_NOTIFIC"]["periods"] == ["2019"] and read["NU_IDADE_N"]["kind"] == "age"
    assert "IDADE_ANOS" in table.column("name").to_pylist()


def test_delivered_schema_is_what_a_read_delivers(tmp_path: Path) -> None:
    path = sim_file(tmp_path)  # codes, an age, a date, a weight, CID-10 codes alone and *-separated
    dbf_fields = [(f.name, f.type, f.width, f.decimals) for f in SIM_FIELDS]
    for labels in (False, True, "both"):
        for codes_as in ("dictionary", "string"):
            read = arrow_sus.read_dbf(path, labels=labels, codes_as=codes_as).schema
            expected = delivered_schema("sim-do", dbf_fields, 2020, labels=labels, codes_as=codes_as)
            assert [(f.name, f.type) for f in expected] == [(f.name, f.type) for f in read], (labels, codes_as)


def test_columns_json_is_retired() -> None:
    assert not (ROOT / "data" / "columns.json").exists()
    assert not hasattr(_core, "catalog_columns") and not hasattr(arrow_sus.catalog, "columns")


def _corpus_descriptions(path: Path) -> tuple[list[tuple[str, str, int, int]], dict[str, list[dict]]]:
    ref = parse_path(path.name)
    rows: dict[str, list[dict]] = {}
    for row in describe(ref.dataset, year=ref.year, month=ref.month).table.to_pylist():
        rows.setdefault(row["name"].upper(), []).append(row)
    return header_fields(path), rows


def test_describe_gives_a_meaning_to_95_percent_of_every_corpus_file(corpus: Path) -> None:
    low = []
    for path in datasus_corpus_files():
        fields, rows = _corpus_descriptions(path)
        described = [name for name, *_ in fields if any(r["description_pt"] for r in rows.get(name.upper(), []))]
        if len(described) < 0.95 * len(fields):
            low.append((path.name, len(described), len(fields)))
    assert low == []


def test_describe_types_match_what_read_dbc_delivers(corpus: Path) -> None:
    compared = 0
    problems = []
    for path in datasus_corpus_files():
        fields, rows = _corpus_descriptions(path)
        layout = {name.upper(): (kind, width, decimals) for name, kind, width, decimals in fields}
        reader = (arrow_sus.open_dbc if path.suffix.lower() == ".dbc" else arrow_sus.open_dbf)(path)
        schema: pa.Schema = reader.schema
        reader.close()
        for f in schema:
            key = f.name.upper()
            # Rows of this file's layout (a period's files may differ in widths), and the columns readers add.
            same = [
                r
                for r in rows.get(key, [])
                if r["derived_from"] or (r["dbf_type"], r["length"], r["decimals"]) == layout.get(key)
            ]
            if not same:
                continue
            compared += 1
            if str(f.type) not in {r["arrow_type"] for r in same}:
                problems.append((path.name, f.name, str(f.type), [r["arrow_type"] for r in same]))
    assert problems == []
    assert compared > 5000
