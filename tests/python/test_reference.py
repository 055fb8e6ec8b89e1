"""Reference tables offline: the compiled-in copies (every table, its metadata and facts of the corpus files it
was made from), scans of aux-* datasets (projection, filters, Polars pushdown, DuckDB, stats), `arrow-sus get
aux-*`, and the catalog's encodings of the auxiliary tables."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from typer.testing import CliRunner

import arrow_sus
from arrow_sus import reference
from arrow_sus.cli import app
from arrow_sus.errors import InvalidArgumentError, NotFoundError

ROOT = Path(__file__).resolve().parents[2]
TABLES = json.loads((ROOT / "data" / "reference" / "tables.json").read_text(encoding="utf-8"))["tables"]


@pytest.mark.parametrize("spec", TABLES, ids=[t["dataset"] for t in TABLES])
def test_every_compiled_table_is_its_tsv_with_its_declared_types(spec: dict) -> None:
    table = arrow_sus.reference_table(spec["dataset"])
    info = reference.info(spec["dataset"])
    assert info is not None and info.rows == spec["rows"] == table.num_rows
    assert table.schema.names == [c["name"] for c in spec["columns"]]
    assert [str(t) for t in table.schema.types] == [
        {"string": "string", "int64": "int64", "float64": "double", "bool": "bool"}[c["type"]] for c in spec["columns"]
    ]
    assert table.schema.metadata[b"arrow_sus.source"] == b"compiled-in"
    assert table.column(info.key).null_count == 0
    assert len(set(table.column(info.key).to_pylist())) == table.num_rows  # unique keys
    with open(ROOT / "data" / "reference" / f"{spec['dataset']}.tsv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == table.schema.names
    first = table.slice(0, 1).to_pylist()[0]
    expected = {
        name: None if cell == "" else cell for name, cell in zip(rows[0], rows[1], strict=True)
    }  # fmt: skip
    assert {k: None if v is None else str(v).lower() if isinstance(v, bool) else str(v) for k, v in first.items()} == {
        k: v for k, v in expected.items()
    }
    assert [s.file for s in info.sources] == [s["file"] for s in spec["sources"]]


def test_tables_lists_every_compiled_table_with_its_sources() -> None:
    listed = reference.tables()
    assert listed.column("dataset").to_pylist() == sorted(t["dataset"] for t in TABLES)
    row = {r["dataset"]: r for r in listed.to_pylist()}["aux-cid10"]
    assert row["reference"] == "cid10" and row["key"] == "code" and row["key_kind"] == "cid10"
    assert row["sources"] == ["CID10.DBF", "CIDCAP10.DBF"]
    assert "chapter" in row["lookup"]


def test_reference_names_resolve_to_datasets() -> None:
    assert reference.resolve("cid10") == "aux-cid10"
    assert reference.resolve("municipality") == "aux-cadmun"
    assert reference.resolve("AUX-CBO") == "aux-cbo"
    assert reference.resolve("cbo-1994") == "aux-tabocup"
    assert reference.info("procedure").dataset == "aux-sigtap"
    assert reference.info("aux-area") is None  # kept only on the server
    with pytest.raises(InvalidArgumentError, match="not a reference table"):
        reference.resolve("sih-rd")
    with pytest.raises(NotFoundError, match="did you mean"):
        reference.resolve("aux-cid11")


def test_compiled_tables_hold_the_facts_of_the_corpus_files() -> None:
    cid10 = {r["code"]: r for r in arrow_sus.reference_table("cid10").to_pylist()}
    assert cid10["A000"]["category"] == "A00" and cid10["A000"]["category_description"] == "Colera"
    assert cid10["A000"]["description"] == "Colera dev Vibrio cholerae 01 biot cholerae"
    assert (cid10["I219"]["chapter"], cid10["I219"]["chapter_number"]) == ("IX", 9)
    assert cid10["I21"]["subcategory"] is None and cid10["C61"]["sex_restriction"] == "1"
    assert cid10["U071"]["description"] == "Infecção pelo novo Coronavírus (COVID-19)"
    assert cid10["A170"]["dagger_asterisk"] == "+"
    municipalities = {r["code6"]: r for r in arrow_sus.reference_table("aux-cadmun").to_pylist()}
    rio = municipalities["330455"]
    assert (rio["code7"], rio["name"], rio["uf"], rio["region"], rio["capital"]) == (
        "3304557",
        "Rio de Janeiro",
        "RJ",
        "SE",
        True,
    )
    assert rio["latitude"] == pytest.approx(-22.903) and rio["health_region"] == "3305"
    assert municipalities["000000"]["latitude"] is None
    # Created after the CADMUN snapshot: from the compiled-in catalog (IBGE 2024), without coordinates.
    assert municipalities["510183"]["name"] == "Boa Esperança do Norte"
    assert municipalities["510183"]["status"] is None and municipalities["510183"]["latitude"] is None
    states = {r["uf"]: r for r in arrow_sus.reference_table("aux-tabuf").to_pylist()}
    assert states["SP"]["code"] == "35" and states["SP"]["name"] == "São Paulo"
    assert states["AM"]["region_name"] == "Norte"
    countries = {r["code"]: r["name"] for r in arrow_sus.reference_table("aux-tabpais").to_pylist()}
    assert countries["044"] == "CAMBOJA / LAOS"
    occupations = {r["code"]: r for r in arrow_sus.reference_table("aux-tabocup").to_pylist()}
    assert occupations["999"]["titles"] > 10 and "ABASTECEDOR SEM ESPECIFICACAO" in occupations["999"]["name"]
    assert {r["code"]: r["name"] for r in arrow_sus.reference_table("aux-cbo").to_pylist()}["223505"]


def test_text_is_decoded_in_each_files_own_encoding() -> None:
    """CP850 (TABOCUP, PAISNET, HABILITA, REGRAS, VINCULO, CBO_02, CADMUN) and Windows-1252 (TB_SIGTAP) tables
    read as words, not as Latin-1 mojibake."""
    info = {row["id"]: row["encoding"] for row in arrow_sus.datasets().to_pylist()}
    for dataset in ("aux-regras", "aux-habilita", "aux-tabocup", "aux-paisnet", "aux-vinculo", "aux-cadmun"):
        assert info[dataset] == "cp850", dataset
    assert info["aux-sigtap"] == "cp1252"
    text = "\n".join(
        str(v)
        for dataset in ("aux-regras", "aux-habilita", "aux-tabocup", "aux-paisnet", "aux-vinculo", "aux-sigtap")
        for row in arrow_sus.reference_table(dataset).to_pylist()
        for v in row.values()
    )
    assert "GERAÇÃO" in text and "ASSISTÊNCIA" in text and "SUIÇA" in text and "VÍNCULO" in text
    assert "“CRACK”" in text and "CORONAVIRUS – COVID" in text
    assert not any(0x80 <= ord(c) <= 0x9F for c in text)  # no C1 controls left from a wrong code page


def test_uf_keeps_the_rows_of_those_states() -> None:
    establishments = arrow_sus.reference_table("aux-cadger", uf="AC")
    assert establishments.num_rows > 100 and set(establishments.column("uf").to_pylist()) == {"AC"}
    with pytest.raises(InvalidArgumentError, match="no states"):
        arrow_sus.reference_table("aux-cid10", uf="SP")


def test_scan_of_an_auxiliary_dataset_is_its_reference_table() -> None:
    s = arrow_sus.scan("aux-cid10")
    assert len(s) == 1 and s.files().column("cached").to_pylist() == ["memory"]
    assert s.schema == arrow_sus.reference_table("aux-cid10").schema
    assert s.to_arrow().equals(arrow_sus.reference_table("aux-cid10"))
    assert s.stats.rows == 14257 and s.stats.files_done == 1
    narrowed = arrow_sus.scan(
        "aux-cid10", columns=["code", "chapter"], filters=[("chapter", "=", "IX"), ("code", "starts_with", "I21")]
    )
    table = narrowed.to_arrow()
    assert table.column_names == ["code", "chapter"]
    assert table.column("code").to_pylist() == ["I21", "I210", "I211", "I212", "I213", "I214", "I219"]
    assert narrowed.stats.rows == 7 and narrowed.stats.rows_filtered_out == 14257 - 7
    assert sum(b.num_rows for b in arrow_sus.scan("aux-cid10", batch_size=1000).stream()) == 14257
    numbers = arrow_sus.scan("aux-cid10", filters=[("chapter_number", ">=", 21)], columns=["chapter_number"])
    assert set(numbers.to_arrow().column(0).to_pylist()) == {21, 22}


def test_scan_of_an_auxiliary_dataset_works_with_polars_duckdb_and_pandas() -> None:
    s = arrow_sus.scan("aux-cadmun")
    acre = s.lazy().filter(pl.col("uf") == "AC").select("code6", "name", "capital").collect()
    assert acre.columns == ["code6", "name", "capital"] and acre.filter(pl.col("capital"))["name"].to_list() == [
        "Rio Branco"
    ]
    assert s.stats.rows == acre.height == 23  # the predicate reached the engine
    assert s.lazy().filter(pl.col("capital")).collect().height == 27
    import duckdb

    con = duckdb.connect()
    s.to_duckdb(con, name="municipalities")
    assert con.sql("SELECT count(*) FROM municipalities WHERE uf = 'AC'").fetchall()[0][0] == 23
    frame = arrow_sus.scan("aux-tabuf").to_pandas()
    assert list(frame["uf"])[:2] == ["RO", "AC"]
    with pytest.raises(InvalidArgumentError, match="no column"):
        arrow_sus.scan("aux-tabuf", columns=["nope"]).to_arrow()


def test_scan_with_source_adds_the_source_columns(tmp_path: Path) -> None:
    table = arrow_sus.scan("aux-tabuf", with_source=True).to_arrow()
    assert table.column_names[-4:] == ["uf", "year", "month", "file"] or "file" in table.column_names
    assert set(table.column("file").to_pylist()) == {"compiled-in aux-tabuf"}


def test_scan_of_a_table_kept_only_on_the_server_needs_it(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="aux-area"):
        arrow_sus.scan("aux-area", uf="AC", source=tmp_path.as_uri())


def test_get_writes_an_auxiliary_dataset(tmp_path: Path) -> None:
    out = tmp_path / "cid.csv"
    result = CliRunner().invoke(app, ["get", "aux-cid10", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 14257 and rows[1]["code"] == "A000" and rows[1]["chapter"] == "I"
    parquet = tmp_path / "ufs.parquet"
    result = CliRunner().invoke(app, ["get", "aux-tabuf", "-o", str(parquet), "--where", "region = 'S'", "--quiet"])
    assert result.exit_code == 0, result.output
    assert sorted(pa.parquet.read_table(parquet).column("uf").to_pylist()) == ["PR", "RS", "SC"]


# ---- lookup ------------------------------------------------------------------------------------------------------

MUNICIPALITY_NAMES = ["São Paulo", "São Paulo", "Rio Branco", None, None]


@pytest.mark.parametrize(
    "codes",
    [
        pa.array(["355030", "3550308", " 120040", "999999", None]),
        pa.array([355030, 3550308, 120040, 999999, None], pa.int32()),
        pa.array([355030, 3550308, 120040, 999999, None], pa.int64()),
        pa.array(["355030", "3550308", "120040", "999999", None]).dictionary_encode(),
        pa.array([355030, 3550308, 120040, 999999, None], pa.int64()).dictionary_encode(),
    ],
    ids=["text", "int32", "int64", "dictionary-text", "dictionary-int"],
)
def test_lookup_matches_6_and_7_digit_municipalities_as_text_numbers_or_dictionaries(codes: pa.Array) -> None:
    table = pa.table({"CODMUNRES": codes, "N": range(5)})
    out = arrow_sus.lookup(table, "CODMUNRES", "aux-cadmun", columns=["name", "uf"])
    assert out.column_names == ["CODMUNRES", "CODMUNRES_name", "CODMUNRES_uf", "N"]
    assert out.column("CODMUNRES_name").to_pylist() == MUNICIPALITY_NAMES  # unknown codes: nulls, rows kept
    assert out.column("CODMUNRES_uf").to_pylist() == ["SP", "SP", "AC", None, None]
    assert out.column("N").to_pylist() == [0, 1, 2, 3, 4] and out.column("CODMUNRES").equals(table.column(0))


def test_lookup_on_record_batches_and_polars_frames_gives_the_same_kind_back() -> None:
    batch = pa.record_batch({"CAUSABAS": ["I219", "A16.9", "I10X", "XYZ1", None]})
    out = arrow_sus.lookup(batch, "CAUSABAS", "cid10", columns="chapter")
    assert isinstance(out, pa.RecordBatch)
    assert out.column(1).to_pylist() == ["IX", "I", "IX", None, None]
    frame = pl.DataFrame({"UF": ["SP", "35", "rj", "XX"], "n": [1, 2, 3, 4]})
    by_state = arrow_sus.lookup(frame, "UF", "aux-tabuf", columns=["name", "region"])
    assert isinstance(by_state, pl.DataFrame)
    assert by_state["UF_name"].to_list() == ["São Paulo", "São Paulo", "Rio de Janeiro", None]
    lazy = arrow_sus.lookup(frame.lazy(), "UF", "aux-tabuf", columns=["name", "region"])
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect().equals(by_state)
    assert arrow_sus.lookup(pl.DataFrame({"C": [1, 1, 7]}), "C", "aux-paisnet")["C_name"].to_list()[:2] == [
        "BRASIL",
        "BRASIL",
    ]


def test_lookup_on_a_scan_stays_lazy_and_pushes_down() -> None:
    establishments = arrow_sus.scan("aux-cadger", uf="AC", columns=["cnes", "municipality"])
    s = arrow_sus.lookup(establishments, "municipality", "municipality", columns=["name", "capital"])
    assert isinstance(s, arrow_sus.Scan)
    assert s.schema.names == ["cnes", "municipality", "municipality_name", "municipality_capital"]
    table = s.to_arrow()
    assert table.num_rows == establishments.to_arrow().num_rows > 100
    rio_branco = table.filter(pa.compute.equal(table.column("municipality"), "120040"))
    assert set(rio_branco.column("municipality_name").to_pylist()) == {"Rio Branco"}
    assert set(rio_branco.column("municipality_capital").to_pylist()) == {True}
    capitals = s.lazy().filter(pl.col("municipality_capital")).select("cnes", "municipality_name").collect()
    assert capitals.height == rio_branco.num_rows and set(capitals["municipality_name"]) == {"Rio Branco"}
    assert sum(b.num_rows for b in s.stream()) == table.num_rows


def test_lookup_refuses_bad_names_with_typed_errors() -> None:
    table = pa.table({"CAUSABAS": ["I219"]})
    with pytest.raises(NotFoundError, match="did you mean"):
        arrow_sus.lookup(table, "CAUSABAS", "aux-cid11")
    with pytest.raises(InvalidArgumentError, match="not a reference table"):
        arrow_sus.lookup(table, "CAUSABAS", "sim-do")
    with pytest.raises(InvalidArgumentError, match="no column chapitre: its columns are code, category"):
        arrow_sus.lookup(table, "CAUSABAS", "aux-cid10", columns="chapitre")
    with pytest.raises(InvalidArgumentError, match="no column CAUSA to look up in aux-cid10"):
        arrow_sus.lookup(table, "CAUSA", "aux-cid10")
    with pytest.raises(InvalidArgumentError, match="already has"):
        arrow_sus.lookup(pa.table({"C": ["I21"], "C_chapter": ["x"]}), "C", "aux-cid10", columns="chapter")
    with pytest.raises(InvalidArgumentError, match="text or integers"):
        arrow_sus.lookup(pa.table({"C": [True]}), "C", "aux-cid10")
    with pytest.raises(InvalidArgumentError, match="no column"):
        arrow_sus.lookup(arrow_sus.scan("aux-tabuf"), "nope", "aux-cid10")
    with pytest.raises(InvalidArgumentError, match="lookup works on"):
        arrow_sus.lookup([1, 2], "C", "aux-cid10")


def test_get_lookup_adds_the_columns_and_reports_bad_names_without_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "ac.csv"
    args = ["get", "aux-cadger", "--uf", "AC", "-c", "cnes,municipality", "-o", str(out), "--quiet"]
    result = CliRunner().invoke(app, [*args, "--lookup", "municipality=aux-cadmun:name,uf"])
    assert result.exit_code == 0, result.output
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["cnes", "municipality", "municipality_name", "municipality_uf"]
    assert {r["municipality_uf"] for r in rows} == {"AC"}
    bad = CliRunner().invoke(app, [*args, "--overwrite", "--lookup", "municipality=aux-cadmun:nome"])
    assert bad.exit_code != 0 and "no column nome" in bad.output and "Traceback" not in bad.output
    unknown = CliRunner().invoke(app, [*args, "--overwrite", "--lookup", "municipality=aux-cadmum"])
    assert unknown.exit_code != 0 and "aux-cadmun" in unknown.output and "Traceback" not in unknown.output
    malformed = CliRunner().invoke(app, [*args, "--overwrite", "--lookup", "municipality"])
    assert malformed.exit_code != 0 and "COLUMN=TABLE" in malformed.output
    assert "--lookup" in CliRunner().invoke(app, ["get", "--help"]).output


# ---- the server's copy, through the cache ------------------------------------------------------------------------


def _cid_archive() -> bytes:
    """A TAB archive like OBITOS_CID10_TAB.zip: CID10.DBF and CIDCAP10.DBF (two chapters, three codes) in DBF/."""
    import io
    import zipfile

    from dbf_factory import Dbf, Field

    cid10 = Dbf(
        [Field("CID10", "C", 4), Field("OPC", "C", 1), Field("DESCR", "C", 40), Field("RESTRSEXO", "C", 1)],
        [[b"A00", b"", b"A00   Colera", b"5"], [b"A000", b"", b"A00.0 Colera cl\xe1ssica", b"5"],
         [b"I21", b"", b"I21   Infarto agudo", b"5"]],
    )  # fmt: skip
    chapters = Dbf(
        [Field("DESCRICAO", "C", 50), Field("CAUSAS", "C", 7)],
        [[b"I.   Algumas doencas infecciosas", b"A00-B99"], [b"IX.  Doencas do aparelho circulatorio", b"I00-I99"]],
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("DBF/CID10.DBF", cid10.build())
        archive.writestr("DBF/CIDCAP10.DBF", chapters.build())
        archive.writestr("CNV/SEXO.CNV", "2 1\n")
    return buffer.getvalue()


@pytest.fixture
def aux_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from remote_servers import FtpServer, build_tree

    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    build_tree(tmp_path / "srv", {"SIM/CID10/TAB/OBITOS_CID10_TAB.zip": _cid_archive()})
    server = FtpServer(tmp_path / "srv")
    yield server
    server.stop()


def test_refresh_reads_the_servers_table_through_the_cache(aux_server, tmp_path: Path) -> None:
    table = arrow_sus.reference_table("aux-cid10", refresh=True, source=aux_server.url)
    assert table.schema == arrow_sus.reference_table("aux-cid10").schema  # the compiled-in copy's columns
    rows = {r["code"]: r for r in table.to_pylist()}
    assert sorted(rows) == ["A00", "A000", "I21"]
    assert rows["A000"]["description"] == "Colera clássica" and rows["A000"]["category_description"] == "Colera"
    assert (rows["I21"]["chapter"], rows["I21"]["chapter_number"]) == ("IX", 9)
    assert "OBITOS_CID10_TAB.zip" in table.schema.metadata[b"arrow_sus.source"].decode()
    cached = tmp_path / "cache" / "raw" / "SIM" / "CID10" / "TAB" / "OBITOS_CID10_TAB.zip"  # in the raw cache...
    before = cached.stat()
    assert arrow_sus.reference_table("aux-cid10", refresh=True, source=aux_server.url).equals(table)
    after = cached.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # ...and reused, not fetched again

    s = arrow_sus.scan("aux-cid10", refresh=True, source=aux_server.url, columns=["code", "chapter"])
    assert s.to_arrow().to_pylist() == [{"code": c, "chapter": rows[c]["chapter"]} for c in ["A00", "A000", "I21"]]
    deaths = pa.table({"CAUSABAS": ["I219", "A000", "I21", "B019"]})
    looked = arrow_sus.lookup(
        deaths, "CAUSABAS", "aux-cid10", columns="description", refresh=True, source=aux_server.url
    )
    # I219 is not on this server: its category's row; B01 is not either.
    assert looked.column(1).to_pylist() == ["Infarto agudo", "Colera clássica", "Infarto agudo", None]

    out = tmp_path / "cid.parquet"
    result = CliRunner().invoke(
        app, ["get", "aux-cid10", "--refresh", "--source", aux_server.url, "-o", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert pa.parquet.read_table(out).num_rows == 3
    with pytest.raises(InvalidArgumentError, match="auxiliary"):
        arrow_sus.scan("sim-do", uf="AC", year=2013, refresh=True, source=aux_server.url)


# ---- the issue's example: deaths by sex, age group and CID-10 chapter in five lines -------------------------------


def test_deaths_by_sex_age_group_and_chapter_in_five_lines(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    from remote_servers import copy_into_tree

    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    copy_into_tree(tmp_path, "SIM/CID10/DORES/DOAC2013.dbc", corpus / "DOAC2013.dbc")
    source = (tmp_path / "dissemin" / "publicos").as_uri()
    # The five lines of docs/reference.md ("source=" only points them at the corpus copy here).
    deaths = arrow_sus.scan_sim("AC", 2013, columns=["SEXO", "IDADE_ANOS", "CAUSABAS"], labels="both", source=source)
    deaths = arrow_sus.lookup(deaths, "CAUSABAS", "aux-cid10", columns="chapter")
    frame = deaths.lazy().with_columns(age_group=(pl.col("IDADE_ANOS") // 10 * 10))
    table = frame.group_by("SEXO_label", "age_group", "CAUSABAS_chapter").len().sort(pl.all()).collect()
    # ---
    raw = arrow_sus.read_dbc(corpus / "DOAC2013.dbc", columns=["SEXO", "CAUSABAS"], raw=True)
    assert table["len"].sum() == raw.num_rows  # every death counted once
    assert set(table["SEXO_label"].drop_nulls()) <= {"masculino", "feminino", "ignorado"}
    chapters = {c: arrow_sus.reference_table("cid10").filter(pa.compute.equal(pa.compute.field("code"), c))
                .column("chapter")[0].as_py() for c in ("I219", "C61", "X954")}  # fmt: skip
    assert chapters == {"I219": "IX", "C61": "II", "X954": "XX"}
    expected_ix = sum(1 for c in raw.column("CAUSABAS").to_pylist() if c and "I00" <= c[:3] <= "I99")
    assert table.filter(pl.col("CAUSABAS_chapter") == "IX")["len"].sum() == expected_ix


def test_describe_gives_the_columns_a_reference_table_delivers() -> None:
    for row in arrow_sus.reference.tables().to_pylist():
        dataset = row["dataset"]
        schema = arrow_sus.scan(dataset).schema
        described = arrow_sus.describe(dataset).table.slice(0, len(schema))  # then the DBF files' fields
        assert described.column("name").to_pylist() == schema.names, dataset
        assert described.column("arrow_type").to_pylist() == [str(f.type) for f in schema], dataset
        assert all(described.column("description_en").to_pylist()), dataset
