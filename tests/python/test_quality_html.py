"""The quality report as one self-contained HTML page (``QualityReport.to_html`` / ``write_html``,
``arrow-sus check --html``): records per period, null and unmapped-code rates, values of coded columns; written
under the output rule; opened in headless Chromium with no console error, its charts drawn and a screenshot of
the expected size."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from headless_chromium import chromium_path, visit
from remote_servers import PUBLIC_ROOT
from scan_mirror import build_sih_mirror
from typer.testing import CliRunner

import arrow_sus
from arrow_sus.cli import app

runner = CliRunner()
PERIODS = ((2012, 12), (2013, 1), (2013, 2))


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("srv") / PUBLIC_ROOT
    return root, build_sih_mirror(root, ufs=("AC", "RJ"), periods=PERIODS)


@pytest.fixture(autouse=True)
def environment(mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_SUS_SOURCE", mirror[0].as_uri())
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def report(mirror) -> arrow_sus.QualityReport:
    # Made before the per-test environment: the source named, no cache.
    scan = arrow_sus.scan("sih-rd", uf=["AC", "RJ"], year=[2012, 2013], source=mirror[0].as_uri(), cache=False)
    return arrow_sus.check(scan)


def test_report_counts_records_per_period_and_coded_values(mirror, report) -> None:
    _, files = mirror
    expected = {}
    for f in files:
        key = f"{f.year}-{f.month:02d}"
        expected[key] = expected.get(key, 0) + f.rows
    assert report.periods.to_pylist() == [{"period": k, "rows": v} for k, v in sorted(expected.items())]
    assert "year" not in report.table.column("column").to_pylist()  # the columns added to count periods
    sexes = dict(report.distributions["SEXO"])
    assert set(sexes) <= {"masculino", "feminino", "1", "3"}
    assert report.to_dict()["periods"][0]["period"] == "2012-12"


def test_a_single_file_is_one_period(tmp_path: Path, mirror) -> None:
    root, files = mirror
    one = arrow_sus.check(root / files[0].path)
    assert one.periods.to_pylist() == [{"period": f"{files[0].year}-{files[0].month:02d}", "rows": files[0].rows}]


def test_html_is_self_contained_with_its_charts(report) -> None:
    page = report.to_html()
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"(https?:|//|src=|href=|<script|@import|url\()", page)
    for title in ("Records per period", "Nulls and unmapped codes per column", "Values of the coded columns"):
        assert title in page
    assert page.count("<svg") == 3 + len(report.distributions)
    assert "2012-12" in page and "2013-02" in page


def test_cli_check_html_writes_through_a_temporary_name_and_keeps_foreign_files(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    args = ["check", "sih-rd", "--uf", "AC", "--year", "2013", "--quiet", "--html", str(target)]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "<svg" in target.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == ["report.html"]  # no temporary left
    again = runner.invoke(app, args)  # arrow-sus wrote it: replaced
    assert again.exit_code == 0, again.output

    foreign = tmp_path / "notes.html"
    foreign.write_text("mine")
    refused = runner.invoke(app, [*args[:-1], str(foreign)])
    assert refused.exit_code == 2 and foreign.read_text() == "mine"
    assert "--overwrite" in refused.output
    forced = runner.invoke(app, [*args[:-1], str(foreign), "--overwrite"])
    assert forced.exit_code == 0 and "<svg" in foreign.read_text(encoding="utf-8")


def test_write_html_refuses_a_file_arrow_sus_did_not_write(report, tmp_path: Path) -> None:
    foreign = tmp_path / "mine.html"
    foreign.write_text("mine")
    with pytest.raises(arrow_sus.InvalidArgumentError):
        report.write_html(foreign)
    assert foreign.read_text() == "mine"
    assert report.write_html(foreign, overwrite=True) == foreign
    assert foreign.read_text(encoding="utf-8") == report.to_html()


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_report_opens_in_headless_chromium(report, tmp_path: Path) -> None:
    if chromium_path() is None:
        pytest.skip("chromium not installed (Debian package 'chromium'; tools/setup-system.sh installs it for CI)")
    page = report.write_html(tmp_path / "report.html")
    bars = "[...document.querySelectorAll('svg rect')].filter(r => r.getBoundingClientRect().width > 0).length"
    seen = visit(
        page,
        {
            "charts": "document.querySelectorAll('figure.chart svg').length",
            "bars": bars,
            "height": "document.body.scrollHeight",
        },
        profile=tmp_path / "profile",
    )
    assert seen.problems == []
    assert seen.values["charts"] == 3 + len(report.distributions)
    assert seen.values["bars"] >= len(PERIODS)
    width, height = _png_size(seen.screenshot)
    assert 1000 <= width <= 1200 and height >= seen.values["height"] >= 800  # the page's width, less a scrollbar
    assert len(seen.screenshot) > 30_000  # charts and text drawn, not a blank page
    (tmp_path / "report.png").write_bytes(seen.screenshot)
