"""The query builder (arrow_sus.Query): the parts each dataset needs come from the catalog, incomplete queries
fail with typed errors before anything is planned, and a complete query plans exactly what scan(...) plans."""

from __future__ import annotations

from pathlib import Path

import pytest
from remote_servers import PUBLIC_ROOT
from scan_mirror import build_sih_mirror

import arrow_sus
from arrow_sus import IncompleteQueryError, NotFoundError, Query, QueryPartError
from arrow_sus.errors import InvalidArgumentError
from arrow_sus.query import Partitioning, system_groups


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("srv") / PUBLIC_ROOT
    build_sih_mirror(root)
    return root.as_uri()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize(
    ("build", "kwargs"),
    [
        (lambda q: q.uf("RJ").year(2013).month(1), {"uf": "RJ", "year": 2013, "month": 1}),
        (lambda q: q.uf("AC,RJ").year("2012-2013").all_months(), {"uf": ["AC", "RJ"], "year": [2012, 2013]}),
        (lambda q: q.all_ufs().year(2013).month(range(1, 3)), {"year": 2013, "month": [1, 2]}),
    ],
)
def test_a_complete_query_plans_what_scan_plans(mirror: str, cache_dir: Path, build, kwargs) -> None:
    query = build(Query.sih().group("rd")).source(mirror).columns("SEXO", "IDADE").filters([("SEXO", "=", "3")])
    direct = arrow_sus.scan("sih-rd", source=mirror, columns=["SEXO", "IDADE"], filters=[("SEXO", "=", "3")], **kwargs)
    planned = query.scan()
    assert planned.files().equals(direct.files())
    assert planned.explain() == direct.explain()
    assert planned.explain("mermaid") == direct.explain("mermaid")
    assert query.to_arrow().equals(direct.to_arrow())


def test_the_query_reads_the_same_rows_as_scan(mirror: str, cache_dir: Path) -> None:
    query = Query.dataset("SIH-RD").uf("AC").year(2012).month(12).source(mirror).options(labels=True)
    assert query.collect().equals(arrow_sus.scan("sih-rd", "AC", 2012, 12, source=mirror, labels=True).collect())


def test_an_incomplete_query_names_what_is_missing_and_how_to_give_it() -> None:
    query = Query.dataset("sih-rd").uf("SP").year(2023)
    assert query.missing() == ("month",)
    assert not query.is_complete()
    with pytest.raises(IncompleteQueryError, match=r"sih-rd is incomplete, it needs month .*\.all_months\(\)") as e:
        query.scan()  # a dynamic query (Query.dataset): its type lets any method through
    assert e.value.missing == ("month",)
    assert isinstance(e.value, InvalidArgumentError)
    with pytest.raises(IncompleteQueryError) as e:
        Query.dataset("sih-rd").collect()
    assert e.value.missing == ("uf", "year", "month")
    with pytest.raises(IncompleteQueryError, match=r"needs year \(year: \.year\(2023\)"):
        Query.dataset("sim-do").to_arrow()


def test_parts_a_dataset_does_not_have_are_refused() -> None:
    with pytest.raises(QueryPartError, match=r"sim-do is yearly: its files have no months: leave \.month\(\) out"):
        Query.dataset("sim-do").year(2022).month(1)
    with pytest.raises(QueryPartError, match=r"sim-dofet is national"):
        Query.dataset("sim-dofet").uf("SP")
    with pytest.raises(QueryPartError, match="all_months"):
        Query.dataset("aux-tabuf").all_months()
    with pytest.raises(InvalidArgumentError, match=r"use \.year\(\)"):
        Query.dataset("sih-rd").options(year=2020)
    with pytest.raises(InvalidArgumentError, match="out of range"):
        Query.dataset("sih-rd").year(23)
    with pytest.raises(InvalidArgumentError, match="unknown UF"):
        Query.dataset("sih-rd").uf("XX")


def test_unknown_systems_groups_and_datasets_name_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match=r"SIH has no group 'XX': its groups are .*RD"):
        Query.sih().group("XX")
    with pytest.raises(NotFoundError, match=r"unknown system 'NOPE': the catalog's systems are .*SIH"):
        Query.system("NOPE")
    with pytest.raises(NotFoundError, match="did you mean sih-rd"):
        Query.dataset("sih-rdd")


def test_the_parts_each_dataset_needs_come_from_the_catalog() -> None:
    assert Query.dataset("sih-rd").missing() == ("uf", "year", "month")
    assert Query.dataset("sih-ch").missing() == ("year", "month")  # national monthly files
    assert Query.dataset("sim-do").missing() == ("year",)  # per state and national: every file without .uf()
    assert Query.dataset("po").missing() == ("year",)  # national yearly
    assert Query.dataset("aux-tabuf").is_complete()  # a reference table
    assert Query.sih().group("CH").all_ufs().year(2020).month(1).is_complete()
    assert Query.system("ibge").group("POP").year(2020).is_complete()


@pytest.mark.parametrize(
    ("system", "entry", "uf", "month"),
    [
        ("SIH", Query.sih, {"required", "none"}, {"required"}),
        ("SIA", Query.sia, {"required"}, {"required"}),
        ("CNES", Query.cnes, {"required"}, {"required"}),
        ("SIM", Query.sim, {"optional", "none"}, {"none"}),
        ("SINASC", Query.sinasc, {"optional", "none"}, {"none"}),
        ("SINAN", Query.sinan, {"optional"}, {"none"}),
    ],
)
def test_each_typed_system_states_its_datasets_partitioning(system: str, entry, uf: set[str], month: set[str]) -> None:
    """The stage type of a typed entry point (Query[UfMissing, YearMissing, MonthMissing] for SIH...) claims a
    partitioning: every group of the system in the catalog has it (a national group, like SIH's CH, takes
    .all_ufs(), which a UfMissing stage offers)."""
    groups = system_groups(system)
    assert groups and entry().groups() == list(groups)
    shapes = [Partitioning.of(arrow_sus.catalog.dataset_info(dataset)) for dataset in groups.values()]
    assert {s.uf for s in shapes} <= uf
    assert {s.month for s in shapes} == month
    assert {s.year for s in shapes} == {"required"}


def test_each_stage_shows_what_it_has_and_what_it_needs() -> None:
    assert repr(Query.sih()).startswith("<arrow_sus.Query SIH: choose a group with .group(): ")
    text = repr(Query.sih().group("RD").uf("SP,RJ").year("2019-2023"))
    assert text == (
        "<arrow_sus.Query sih-rd (SIH, monthly, coverage uf): uf=RJ,SP, year=2019-2023 — needs month: "
        '.month(1) (a month, a list, a range or "1-6") or .all_months()>'
    )
    complete = Query.sim().group("DO").year(2022).columns("CAUSABAS")
    assert repr(complete) == (
        "<arrow_sus.Query sim-do (SIM, yearly, coverage both): year=2022, columns=['CAUSABAS'] — complete>"
    )


def test_a_query_is_immutable_and_reusable_as_a_template() -> None:
    base = Query.sih().group("RD").year(2023).month(1)
    sp, rj = base.uf("SP"), base.uf("RJ")
    assert base.missing() == ("uf",)
    assert "uf=SP" in repr(sp) and "uf=RJ" in repr(rj)
