"""The catalog from Python: path grammar (shared cases with C++), the full server listing, split parts,
the corpus (names, header fields against SCHEMAS, describe coverage), lookups, datasets() and the CLI."""

from __future__ import annotations

import csv
import gzip
import json
import struct
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import ROOT, corpus_dir, corpus_manifest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import arrow_sus
from arrow_sus.catalog import (
    datasets,
    describe,
    find_municipality,
    find_uf,
    municipalities,
    parse_path,
    parse_paths,
    paths,
    select_parts,
    try_parse_path,
    ufs,
)
from arrow_sus.cli import app

LISTING = ROOT.parent / "shared" / "ftp-listing" / "listing-2026-04-30.tsv.gz"
# Files in the corpus that are not DATASUS publications.
NOT_DATASUS = {"sids.dbc", "sids.dbf", "sids-trailing-newline.dbc", "storm.dbc", "storm.dbf", "not-a-dbc.dbc"}
NOT_DATASUS |= {"testTypes.dbf", "MANIFEST.tsv"}  # a DBF library's type test file; the manifest itself


def shared_cases() -> list[list[str]]:
    with open(ROOT / "tests" / "data" / "catalog_cases.tsv", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if line.strip() and not line.startswith("#")]
    return [row + [""] * (8 - len(row)) for row in rows]


@pytest.mark.parametrize("case", shared_cases(), ids=lambda c: c[0])
def test_shared_cases_match_cpp(case: list[str]) -> None:
    text, outcome, dataset, uf, year, month, part, preliminary = case
    if outcome != "matched":
        assert try_parse_path(text) is None
        with pytest.raises(arrow_sus.InvalidArgumentError):
            parse_path(text)
        return
    ref = parse_path(text)
    assert ref.dataset == dataset
    assert ref.uf == (uf or None)
    assert ref.year == (int(year) if year else None)
    assert ref.month == (int(month) if month else None)
    assert ref.part == (part or None)
    assert ref.preliminary == ({"1": True, "0": False}.get(preliminary))


def test_unrecognized_name_error_names_the_file() -> None:
    with pytest.raises(arrow_sus.InvalidArgumentError) as info:
        parse_path("XYZ12345.dbc")
    assert info.value.path == "XYZ12345.dbc"


def test_parse_path_accepts_path_objects() -> None:
    ref = parse_path(Path("/tmp/data/STAC2401.dbc"))
    assert (ref.dataset, ref.partition) == ("cnes-st", ("AC", 2024, 1))
    assert ref.canonical_path == "/dissemin/publicos/CNES/200508_/Dados/ST/STAC2401.dbc"


def test_paths_examples() -> None:
    assert paths("sih-rd", uf="sp", year=2023, month=1) == ["/dissemin/publicos/SIHSUS/200801_/Dados/RDSP2301.dbc"]
    assert paths("sim-do", uf="RO", year=1979) == ["/dissemin/publicos/SIM/CID9/DORES/DORRO79.DBC"]
    assert paths("sim-do", year=2022) == [
        "/dissemin/publicos/SIM/CID10/DORES/DOBR2022.dbc",
        "/dissemin/publicos/SIM/PRELIM/DORES/DOBR2022.dbc",
    ]
    with pytest.raises(arrow_sus.NotFoundError):
        paths("sih-rd", uf="SP", year=1980, month=1)
    with pytest.raises(arrow_sus.InvalidArgumentError):
        paths("sih-rd", uf="XX", year=2023, month=1)
    with pytest.raises(arrow_sus.InvalidArgumentError, match="per state"):
        paths("sih-rd", year=2023, month=1)


def listing_rows() -> list[dict[str, str]]:
    if not LISTING.exists():
        pytest.skip(f"server listing not found at {LISTING}")
    with gzip.open(LISTING, "rt", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_every_listing_path_parses_and_regenerates() -> None:
    rows = listing_rows()
    assert len(rows) == 180_562
    refs = parse_paths([r["full_path"] for r in rows])
    unparsed = [r["full_path"] for r, ref in zip(rows, refs, strict=True) if ref is None]
    assert unparsed == []
    not_regenerated = []
    for row, ref in zip(rows, refs, strict=True):
        assert ref is not None
        # The third-party crawler's partition columns agree wherever it filled them in.
        hint = {"uf": row["uf"].upper() or None, "year": int(row["year"]) if row["year"] else None}
        hint |= {"month": int(row["month"]) if row["month"] else None, "part": row["subpartition"] or None}
        for key, value in hint.items():
            if value is not None:
                assert getattr(ref, key) == value, (row["full_path"], key)
        assert ref.preliminary == (row["preliminary"] == "True")
        candidates = paths(ref.dataset, uf=ref.uf, year=ref.year, month=ref.month, part=ref.part)
        # The server is not consistent about case (PAAC9407.DBC, spac0801.dbc): compare ignoring it.
        if row["full_path"].upper() not in {c.upper() for c in candidates}:
            not_regenerated.append((row["full_path"], candidates))
    assert not_regenerated == []


def test_preliminary_directories_follow_the_rule_for_every_system_with_them() -> None:
    """SIM/PRELIM/DORES and SINASC/PRELIM/DNRES (on the server in late 2024, not in the 2026 listing) are
    known by the same rule as SINAN's PRELIM: each still-published final directory has a twin."""
    assert paths("sim-do", uf="SP", year=2023) == [
        "/dissemin/publicos/SIM/CID10/DORES/DOSP2023.dbc",
        "/dissemin/publicos/SIM/PRELIM/DORES/DOSP2023.dbc",
    ]
    assert "/dissemin/publicos/SINASC/PRELIM/DNRES/DNSP2023.dbc" in paths("sinasc-dn", uf="SP", year=2023)
    assert "/dissemin/publicos/SINAN/DADOS/PRELIM/DENGBR24.dbc" in paths("sinan-deng", year=2024)
    # Directories no longer published (SIM CID-9, SINASC 1994-1995) have no preliminary twin.
    assert paths("sim-do", uf="RO", year=1979) == ["/dissemin/publicos/SIM/CID9/DORES/DORRO79.DBC"]
    for ds in ("sim-do", "sim-doinf", "sinasc-dn", "sinasc-dnex", "sinan-deng"):
        layouts = arrow_sus.catalog.dataset_info(ds)["layouts"]
        finals = {lay["directory"] for lay in layouts if not lay["preliminary"] and not lay["last"]}
        twins = {lay["directory"] for lay in layouts if lay["preliminary"]}
        assert len(twins) == len(finals) and all("/PRELIM" in d for d in twins), ds


def test_list_files_and_scan_find_preliminary_files(tmp_path: Path) -> None:
    from remote_servers import build_tree, synthetic_dbc

    public = build_tree(
        tmp_path,
        {
            "SIM/CID10/DORES/DOAC2022.dbc": synthetic_dbc(2, seed=1),
            "SIM/PRELIM/DORES/DOAC2023.dbc": synthetic_dbc(3, seed=2),
            "SINASC/PRELIM/DNRES/DNAC2023.dbc": synthetic_dbc(4, seed=3),
        },
    )
    found = arrow_sus.list_files("sim-do", uf="AC", source=public.as_uri())
    assert [(f.path, f.year, f.preliminary) for f in found] == [
        ("SIM/CID10/DORES/DOAC2022.dbc", 2022, False),
        ("SIM/PRELIM/DORES/DOAC2023.dbc", 2023, True),
    ]
    births = arrow_sus.scan("sinasc-dn", uf="AC", year=2023, source=public.as_uri(), cache=False)
    assert births.to_arrow().num_rows == 4


def test_split_part_selection_covers_every_month_once() -> None:
    rows = listing_rows()
    groups: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for row, ref in zip(rows, parse_paths([r["full_path"] for r in rows]), strict=True):
        assert ref is not None
        groups[(ref.dataset, ref.uf, ref.year, ref.month, ref.directory)].append(row["full_path"])
    split_groups = 0
    for members in groups.values():
        chosen = select_parts(members)
        refs = [parse_path(p) for p in chosen]
        parts = [r.part for r in refs]
        assert len(set(parts)) == len(parts), members  # nothing twice
        if any(parts):
            split_groups += 1
            # No whole file in the group, so every part is chosen, contiguous from "a".
            assert sorted(chosen) == sorted(members)
            assert sorted(parts) == [chr(ord("a") + i) for i in range(len(parts))]
        else:
            assert len(chosen) == 1
    assert split_groups > 0


def test_select_parts_prefers_the_whole_file() -> None:
    assert select_parts(["BISP2301_1.dbc", "BISP2301.dbc", "BISP2301_2.dbc"]) == ["BISP2301.dbc"]
    with pytest.raises(arrow_sus.NotFoundError):
        select_parts(["PASP2301a.dbc", "PASP2301c.dbc"])


def header_fields(path: Path) -> list[tuple[str, str, int, int]]:
    """The DBF field descriptors of a .dbc or .dbf (the .dbc stores the DBF header verbatim)."""
    data = path.read_bytes()
    header_len = struct.unpack_from("<H", data, 8)[0]
    fields = []
    for offset in range(32, header_len - 31, 32):
        if data[offset] in (0x0D, 0x00):
            break
        raw = data[offset : offset + 32]
        name = raw[:11].split(b"\0", 1)[0].decode("latin-1").strip()  # some names are space-padded
        fields.append((name, chr(raw[11]), raw[16], raw[17]))
    return fields


def datasus_corpus_files() -> list[Path]:
    return [f.path for f in corpus_manifest() if f.path.name not in NOT_DATASUS]


def test_every_corpus_name_parses(corpus: Path) -> None:
    unparsed = [p.name for p in datasus_corpus_files() if try_parse_path(p.name) is None]
    assert unparsed == []
    for name in NOT_DATASUS - {"MANIFEST.tsv"}:
        assert try_parse_path(name) is None


def test_corpus_headers_match_schemas(corpus: Path) -> None:
    for path in datasus_corpus_files():
        ref = parse_path(path.name)
        fields = [list(f) for f in header_fields(path)]
        variants = arrow_sus._native._core.catalog_schemas(ref.dataset)
        assert variants, path.name
        key = (ref.year or 0) * 100 + (ref.month or 0)
        in_force = [v for v in variants if v["first"] <= key <= v["last"]] or variants
        assert any([list(f) for f in v["fields"]] == fields for v in in_force), path.name


def test_describe_covers_every_column_of_every_corpus_file(corpus: Path) -> None:
    for path in datasus_corpus_files():
        ref = parse_path(path.name)
        table = describe(ref.dataset, year=ref.year, month=ref.month).table
        described = {n.upper() for n in table.column("name").to_pylist()}
        missing = [name for name, *_ in header_fields(path) if name.upper() not in described]
        assert missing == [], path.name


@pytest.mark.parametrize("dataset", ["sih-rd", "sim-do"])
def test_descriptions_complete_for_sih_rd_and_sim_do(dataset: str) -> None:
    variants = arrow_sus._native._core.catalog_schemas(dataset)
    for variant in variants:
        year, month = divmod(variant["first"], 100)
        table = describe(dataset, year=year, month=month or None).table
        undescribed = [r["name"] for r in table.to_pylist() if not r["description_pt"] or not r["description_en"]]
        assert undescribed == [], (dataset, variant["first"])


def test_datasets_table() -> None:
    table = datasets()
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids)) > 130
    for needed in ("sih-rd", "sia-pa", "cnes-st", "sim-do", "sinasc-dn", "sinan-deng", "pni-cpni", "sia-bi"):
        assert needed in ids
    row = next(r for r in table.to_pylist() if r["id"] == "sih-rd")
    assert row["first_period"] == "1992-01" and row["last_period"] is None
    assert "/dissemin/publicos/SIHSUS/199201_200712/Dados" in row["directories"]


def test_ufs_and_municipalities() -> None:
    assert ufs().num_rows == 28
    sp = find_uf("sp")
    assert sp is not None and sp.ibge == 35 and sp.name == "São Paulo"
    assert find_uf("XX") is None
    rio = find_municipality(3304557)
    assert rio is not None and rio.code6 == 330455 and rio.name == "Rio de Janeiro" and rio.uf == "RJ"
    assert find_municipality("330455") == rio
    assert find_municipality(3304558) is None
    assert municipalities().num_rows > 5570


def test_every_cadmun_code_resolves(corpus: Path) -> None:
    from arrow_sus.reader import read_dbf

    table = read_dbf(corpus / "CADMUN.DBF", columns=["MUNCOD", "MUNCODDV"])
    for code6, code7 in zip(table.column("MUNCOD").to_pylist(), table.column("MUNCODDV").to_pylist(), strict=True):
        found = find_municipality(int(code6))
        assert found is not None, code6
        if int(code7) >= 1_000_000:
            assert find_municipality(int(code7)) == found


def test_cli_datasets_and_describe() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["datasets", "--json"])
    assert listed.exit_code == 0, listed.output
    assert any(d["id"] == "sinan-deng" for d in json.loads(listed.output)["datasets"])
    table = runner.invoke(app, ["datasets", "--system", "SIM"])
    assert table.exit_code == 0 and "sim-do" in table.output
    described = runner.invoke(app, ["describe", "sim-do", "--year", "2022", "--json"])
    assert described.exit_code == 0, described.output
    doc = json.loads(described.output)
    assert doc["dataset"] == "sim-do" and any(c["name"] == "DTOBITO" for c in doc["columns"])
    missing = runner.invoke(app, ["describe", "nope"])
    assert missing.exit_code == 3


def test_corpus_dir_helper_is_consistent() -> None:
    # The listing and corpus tests above skip cleanly without ../shared; this guards the helper they use.
    assert corpus_dir() is None or (corpus_dir() / "MANIFEST.tsv").exists()


# Name-shaped strings (prefixes, locations, digits, parts, extensions) so that many of them parse.
NAME_LIKE = st.builds(
    lambda *pieces: "".join(pieces),
    st.sampled_from(["RD", "PA", "DO", "DOR", "DN", "DNR", "DENG", "ST", "CIHA", "SP", "LEI", "BI", "POP"]),
    st.sampled_from(["SP", "RJ", "BR", "RR", "RS", "RO", "ES", "EX", "XX", ""]),
    st.text("0123456789", min_size=2, max_size=4),
    st.sampled_from(["", "a", "c", "_1", "_0", "z"]),
    st.sampled_from([".dbc", ".DBC", ".dbf", ".zip", ""]),
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(NAME_LIKE, st.text(alphabet="ABCDEFGHIJKLMNOPRSTUVXZabcdfgr0123456789_./-", max_size=40)))
def test_random_names_never_crash_and_round_trip(text: str) -> None:
    ref = try_parse_path(text)
    if ref is not None and ref.canonical_path is not None:
        again = parse_path(ref.canonical_path)
        assert (again.dataset, again.partition, again.part) == (ref.dataset, ref.partition, ref.part)


def test_every_cadmun_state_resolves(corpus: Path) -> None:
    from arrow_sus.reader import read_dbf

    states = set(read_dbf(corpus / "CADMUN.DBF", columns=["UFCOD"]).column("UFCOD").to_pylist()) - {"00"}
    known = {row["ibge"] for row in ufs().to_pylist()}
    assert {int(s) for s in states} <= known


def test_docs_list_every_dataset() -> None:
    text = (ROOT / "docs" / "catalog.md").read_text(encoding="utf-8")
    missing = [i for i in datasets().column("id").to_pylist() if f"`{i}`" not in text]
    assert missing == []
