"""Every tutorial of the documentation runs on the DATASUS corpus (the same code, through the same runner, as
the site build: tools/tutorials.py), prints its answer and draws its figure."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))

import tutorials

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def mirror(corpus: Path) -> Iterator[Path]:
    with tutorials.corpus_mirror() as root:
        yield root


@pytest.mark.parametrize("name", tutorials.tutorial_names())
def test_tutorial_runs_and_draws_its_figure(mirror: Path, name: str) -> None:
    run = tutorials.run_tutorial(name)
    assert run.output.strip(), name
    assert run.figure_png.startswith(PNG_SIGNATURE)
    assert len(run.figure_png) > 5_000  # a drawn chart, not an empty canvas


def test_the_mirror_holds_the_tutorials_files(mirror: Path) -> None:
    names = {p.name.lower() for p in mirror.rglob("*") if p.is_symlink()}
    assert {"rdac2401.dbc", "paac2401.dbc", "doac2013.dbc", "dnac2009.dbc", "stac2401.dbc", "zikabr20.dbc"} <= names


def test_six_tutorials_one_per_system() -> None:
    assert tutorials.tutorial_names() == ["cnes", "sia", "sih", "sim", "sinan", "sinasc"]
