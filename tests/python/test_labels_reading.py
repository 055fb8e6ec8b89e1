"""Labels, coded columns and decoded ages in every reader (issue 18 items 3 and 4), on files made here.

A SIM-DO mirror with codes the list lacks appearing only in later batches: read_dbc, scan (cold and from
each cache format), the Polars plugin and DuckDB must show the same labels; filters on labels and on
IDADE_ANOS pushed to the bytes must select exactly what filtering the presented columns selects.
"""

from __future__ import annotations

import datetime as dt
import random
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from dbf_factory import Dbf, Field
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from remote_servers import PUBLIC_ROOT
from typer.testing import CliRunner

import arrow_sus
from arrow_sus.cli import app
from arrow_sus.codec import compress_dbf

SIM_DIR = "SIM/CID10/DORES"
SIM_FIELDS = [
    Field("SEXO", "C", 1),
    Field("RACACOR", "C", 1),
    Field("IDADE", "C", 3),
    Field("DTOBITO", "C", 8),
    Field("IDADEMAE", "C", 2),
    Field("PESO", "C", 4),
    Field("CAUSABAS", "C", 4),
]
# Every SIM age unit (0 minutes ... 5 past 100) and the unknown code 999.
AGE_CODES = ["000", "030", "112", "215", "307", "400", "460", "462", "499", "501", "999"]


def sim_records(n: int, seed: int, late_unmapped: bool) -> list[list[bytes]]:
    """Records whose codes the SIM lists have, except SEXO '7' in the last quarter (when asked)."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        sexo = "7" if late_unmapped and i >= 3 * n // 4 and i % 5 == 0 else rng.choice("1220")
        records.append(
            [
                sexo.encode(),
                rng.choice("12345 ").encode(),
                rng.choice(AGE_CODES).encode(),
                f"{rng.randrange(1, 28):02d}{rng.randrange(1, 13):02d}2022".encode(),
                str(rng.randrange(14, 48)).encode(),
                str(rng.randrange(500, 4500)).encode(),
                rng.choice([b"I219", b"J189", b"C509", b"X599"]),
            ]
        )
    return records


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sim") / PUBLIC_ROOT
    (root / SIM_DIR).mkdir(parents=True)
    for seed, uf in enumerate(("AC", "RR")):
        dbf = Dbf(SIM_FIELDS, sim_records(3_000, seed, late_unmapped=uf == "AC")).build()
        (root / SIM_DIR / f"DO{uf}2022.dbc").write_bytes(compress_dbf(dbf))
    return root


@pytest.fixture(autouse=True)
def environment(mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_SUS_SOURCE", mirror.as_uri())
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))


def _texts(column: pa.ChunkedArray) -> list[str | None]:
    return column.cast(pa.string()).to_pylist()


def test_labels_are_the_same_through_every_reader_and_cache_format(mirror: Path) -> None:
    path = mirror / SIM_DIR / "DOAC2022.dbc"
    direct = arrow_sus.read_dbc(path, labels="both", batch_size=256)
    assert direct.schema.field("SEXO").type == pa.dictionary(pa.int8(), pa.string())
    expected = _texts(direct.column("SEXO_label"))
    assert expected.count("7") > 0 and "masculino" in expected and "feminino" in expected
    assert arrow_sus.table_stats(direct)["unmapped_codes"] == {"SEXO": expected.count("7")}
    for cache_format in ("ipc-uncompressed", "ipc", "parquet"):
        for _ in ("cold", "warm"):
            s = arrow_sus.scan("sim-do", uf="AC", year=2022, labels="both", batch_size=256, cache_format=cache_format)
            table = s.to_arrow()
            assert _texts(table.column("SEXO_label")) == expected, cache_format
            assert s.unmapped_codes() == {"SEXO": expected.count("7")}
            assert s.stats.unmapped_codes == expected.count("7")
    s = arrow_sus.scan("sim-do", uf="AC", year=2022, labels=True)
    assert s.lazy().select("SEXO").collect()["SEXO"].cast(str).to_list() == expected
    assert [row[0] for row in s.to_duckdb().project("SEXO").fetchall()] == expected


def test_label_language_codes_as_and_categoricals(mirror: Path) -> None:
    s = arrow_sus.scan("sim-do", uf="RR", year=2022, columns=["SEXO", "RACACOR", "DTOBITO"])
    english = s._with(meaning={"labels": "labels", "codes_as": "dictionary", "label_language": "en"}).to_arrow()
    assert set(_texts(english.column("SEXO"))) <= {"Male", "Female", "Unknown"}
    plain = arrow_sus.scan("sim-do", uf="RR", year=2022, columns=["SEXO"], codes_as="string").to_arrow()
    assert plain.schema.field("SEXO").type == pa.string()
    frame = s.to_pandas()
    assert str(frame["SEXO"].dtype) == "category"
    assert str(frame["DTOBITO"].dtype).startswith("datetime64")
    with pytest.raises(arrow_sus.InvalidArgumentError, match="labels must be False, True or 'both'"):
        arrow_sus.scan("sim-do", uf="RR", year=2022, labels="sim")


def test_labels_both_adds_the_label_of_each_asked_coded_column(mirror: Path) -> None:
    s = arrow_sus.scan("sim-do", uf="RR", year=2022, columns=["SEXO", "PESO"], labels="both")
    assert s.schema.names == ["SEXO", "SEXO_label", "PESO"]
    t = arrow_sus.read_dbc(mirror / SIM_DIR / "DORR2022.dbc", columns=["RACACOR"], labels="both")
    assert t.column_names == ["RACACOR", "RACACOR_label"]


def test_documented_numbers_are_numbers_and_not_shifted(mirror: Path) -> None:
    # Peers shifted IDADEMAE by ten years (microdatasus #14): the number is the text, exactly.
    raw = arrow_sus.read_dbc(mirror / SIM_DIR / "DORR2022.dbc", typed=False, codes_as="string")
    typed = arrow_sus.read_dbc(mirror / SIM_DIR / "DORR2022.dbc")
    assert typed.schema.field("IDADEMAE").type == pa.int32()
    assert typed.column("IDADEMAE").to_pylist() == [int(v) for v in raw.column("IDADEMAE").to_pylist()]
    assert typed.column("PESO").to_pylist() == [int(v) for v in raw.column("PESO").to_pylist()]
    # Each coded column is labelled from its own codes (peers wrote one field into another: #113, #137).
    both = arrow_sus.read_dbc(mirror / SIM_DIR / "DORR2022.dbc", labels="both")
    sexo = dict(zip(_texts(both.column("SEXO")), _texts(both.column("SEXO_label")), strict=True))
    assert sexo == {"1": "masculino", "2": "feminino", "0": "ignorado"}
    raca = dict(zip(_texts(both.column("RACACOR")), _texts(both.column("RACACOR_label")), strict=True))
    assert raca[None] is None and raca["1"] == "Branca" and raca["5"] == "Indígena"
    assert len(set(sexo.values())) == len(sexo)  # one code, one label: nothing mapped twice


def _years(table: pa.Table) -> list[float | None]:
    return table.column("IDADE_ANOS").to_pylist()


def test_sim_ages_decode_every_unit(mirror: Path) -> None:
    t = arrow_sus.read_dbc(mirror / SIM_DIR / "DORR2022.dbc", columns=["IDADE", "IDADE_ANOS", "IDADE_UNIDADE"])
    for code, years, unit in zip(*(t.column(c).to_pylist() for c in t.column_names), strict=True):
        expected = {
            "000": (0.0, "minutos"),
            "030": (30 / 525960, "minutos"),
            "112": (12 / 8766, "horas"),
            "215": (15 / 365.25, "dias"),
            "307": (7 / 12, "meses"),
            "400": (0.0, "anos"),
            "460": (60.0, "anos"),
            "462": (62.0, "anos"),
            "499": (99.0, "anos"),
            "501": (101.0, "anos"),
            "999": (None, None),
        }[code]
        assert (years, unit) == pytest.approx(expected) if years is not None else (years, unit) == expected


def test_filters_on_the_age_unit_and_value_apply_to_the_decoded_columns(mirror: Path) -> None:
    path = mirror / SIM_DIR / "DORR2022.dbc"
    columns = ["IDADE", "IDADE_UNIDADE", "IDADE_VALOR"]
    t = arrow_sus.read_dbc(path, columns=columns, filters=[("IDADE_UNIDADE", "=", "meses"), ("IDADE_VALOR", ">=", 7)])
    assert set(t.column("IDADE").to_pylist()) == {"307"}
    assert t.schema.field("IDADE_VALOR").type == pa.int16()


def _ages_dbf(codes: list[str]) -> bytes:
    return compress_dbf(
        Dbf([Field("IDADE", "C", 3), Field("SEXO", "C", 1)], [[c.encode(), b"1"] for c in codes]).build()
    )


COMPARE = {
    "=": pc.equal,
    "!=": pc.not_equal,
    "<": pc.less,
    "<=": pc.less_equal,
    ">": pc.greater,
    ">=": pc.greater_equal,
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    codes=st.lists(st.sampled_from([*AGE_CODES, "123", "230", "311", "555", "  "]), min_size=1, max_size=60),
    op=st.sampled_from(sorted(COMPARE)),
    threshold=st.sampled_from([0, 0.5, 1, 7 / 12, 12 / 8766, 60, 62.0, 100, 101, 150]),
)
def test_a_pushed_down_age_filter_equals_filtering_decoded_ages(
    tmp_path_factory: pytest.TempPathFactory, codes: list[str], op: str, threshold: float
) -> None:
    path = tmp_path_factory.mktemp("ages") / "DOAC2022.dbc"
    path.write_bytes(_ages_dbf(codes))
    everything = arrow_sus.read_dbc(path)
    expected = everything.filter(pc.fill_null(COMPARE[op](everything.column("IDADE_ANOS"), threshold), False))
    pushed = arrow_sus.read_dbc(path, filters=[("IDADE_ANOS", op, threshold)])
    assert pushed.column("IDADE").to_pylist() == expected.column("IDADE").to_pylist()
    stats = arrow_sus.table_stats(pushed)
    assert stats["rows_filtered_out"] == len(codes) - expected.num_rows  # on the bytes, not after


def test_sih_and_sinan_ages() -> None:
    sih = Dbf(
        [Field("IDADE", "N", 2), Field("COD_IDADE", "C", 1)],
        [[b"60", b"4"], [b"2", b"5"], [b"11", b"3"], [b"40", b"0"], [b"5", b"2"]],
    ).build()
    t = arrow_sus.read_dbf(sih, dataset="sih-rd", columns=["IDADE_ANOS"])
    assert t.column("IDADE_ANOS").to_pylist() == pytest.approx([60.0, 102.0, 11 / 12, None, 5 / 365.25], nan_ok=True)
    over = arrow_sus.read_dbf(sih, dataset="sih-rd", columns=["IDADE"], filters=[("IDADE_ANOS", ">=", 100)])
    assert over.column("IDADE").to_pylist() == [2]  # COD_IDADE 5: past 100
    # SINAN: a unit digit then a 3-digit value; 4116 is 116 years (people born 1915-1919 hold 4101-4105).
    sinan = Dbf([Field("NU_IDADE_N", "N", 4)], [[b"4016"], [b"4116"], [b"3009"], [b"1012"], [b"9999"]]).build()
    years = arrow_sus.read_dbf(sinan, dataset="sinan-zika", columns=["IDADE_ANOS"]).column("IDADE_ANOS").to_pylist()
    assert years == pytest.approx([16.0, 116.0, 0.75, 12 / 8766, None], nan_ok=True)


def test_filters_on_labels_run_on_the_codes(mirror: Path) -> None:
    path = mirror / SIM_DIR / "DOAC2022.dbc"
    all_rows = arrow_sus.read_dbc(path, labels="both")
    cases = {
        "=": ("feminino", lambda c: c == "feminino"),
        "in": (["masculino", "7"], lambda c: c in ("masculino", "7")),
        "!=": ("masculino", lambda c: c is not None and c != "masculino"),
    }
    for op, (value, keep) in cases.items():
        expected = [v for v in _texts(all_rows.column("SEXO_label")) if keep(v)]
        got = arrow_sus.read_dbc(path, labels="both", filters=[("SEXO_label", op, value)])
        assert _texts(got.column("SEXO_label")) == expected
        assert arrow_sus.table_stats(got)["rows_filtered_out"] == all_rows.num_rows - len(expected)


def test_cli_labels_and_truncation_warning(mirror: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["get", "sim-do", "--uf", "RR", "--year", "2022", "-c", "SEXO", "--labels", "both", "-o", "-", "-q"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines()[0] == '"SEXO","SEXO_label"'
    bad = runner.invoke(app, [*args[:-3], "--labels", "sim", "-o", "-"])
    assert bad.exit_code == 2 and "--labels must be codes, labels or both" in bad.output
    cut = Dbf([Field("SEXO", "C", 1)], [[b"1"], [b"2"]], header_count=5).build()
    (tmp_path / "DOAC2021.dbf").write_bytes(cut)
    refused = runner.invoke(app, ["convert", str(tmp_path / "DOAC2021.dbf"), "-o", str(tmp_path / "x.csv")])
    assert refused.exit_code == 1 and "declares 5 records but the data holds 2" in refused.output
    warned = runner.invoke(
        app, ["convert", str(tmp_path / "DOAC2021.dbf"), "-o", str(tmp_path / "y.csv"), "--on-truncated", "warn", "-q"]
    )
    assert warned.exit_code == 0, warned.output
    assert "warning:" in warned.stderr and "DOAC2021.dbf" in warned.stderr
    assert (tmp_path / "y.csv").read_text().count("\n") == 3


def test_a_filter_comparing_the_coded_age_warns_and_names_the_decoded_column(mirror: Path) -> None:
    # The README once filtered SIM on IDADE >= 60: that compares codes, so 307 (seven months) passed.
    path = mirror / SIM_DIR / "DORR2022.dbc"
    with pytest.warns(arrow_sus.CodedFilterWarning, match="IDADE_ANOS") as caught:
        arrow_sus.read_dbc(path, columns=["IDADE"], filters=[("IDADE", ">=", 60)])
    assert len(caught) == 1 and "307 is 7 months" in str(caught[0].message)
    with pytest.warns(arrow_sus.CodedFilterWarning, match="IDADE_ANOS") as caught:
        arrow_sus.scan("sim-do", uf=["AC", "RR"], year=2022, filters=[("IDADE", ">=", 60)]).to_arrow()
    assert len(caught) == 1  # once per pass, not once per file
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        arrow_sus.read_dbc(path, filters=[("IDADE_ANOS", ">=", 60), ("IDADE", "not_null")])
    out = CliRunner().invoke(
        app, ["get", "sim-do", "--uf", "RR", "--year", "2022", "-c", "IDADE", "--where", "IDADE >= 60", "-o", "-", "-q"]
    )
    assert out.exit_code == 0, out.output
    assert "warning:" in out.stderr and "IDADE_ANOS" in out.stderr


def test_dates_reach_pandas_as_datetime64(mirror: Path) -> None:
    frame = arrow_sus.scan("sim-do", uf="RR", year=2022, columns=["DTOBITO"]).to_pandas()
    assert frame["DTOBITO"].dt.year.eq(2022).all()
    assert frame["DTOBITO"].min() >= dt.datetime(2022, 1, 1)
