"""tools/check_dictionary.py as part of the suite, so CI checks the data dictionaries: their shape always, every
verified entry against its official document when ../shared/reference is present, and that they describe at least
95% of the fields of every real layout (data/schemas.json)."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import check_dictionary

DOCS = check_dictionary.load_dictionaries()
IDS = check_dictionary.catalog_ids()


def test_every_dictionary_is_well_formed() -> None:
    assert len(DOCS) >= 10
    assert [p for name, doc in DOCS.items() for p in check_dictionary.shape_problems(name, doc, IDS)] == []


def test_the_shape_check_finds_problems() -> None:
    doc = {
        "system": "X",
        "documents": {"d": {"path": "x.txt", "title": "X"}},
        "code_lists": {"l": {"name_pt": "L", "name_en": "L", "status": "derived", "codes": [{"code": "1"}] * 2}},
        "fields": [
            {"datasets": ["nope"], "name": "a", "description_pt": "a", "description_en": "a", "kind": "code"},
            {"datasets": ["sim-do"], "name": "B", "description_pt": "b", "description_en": "b", "kind": "date"},
        ],
    }
    problems = "\n".join(check_dictionary.shape_problems("x.json", doc, IDS))
    for expected in (
        "a derived entry needs a reason",
        "needs pt and en labels",
        "code '1' appears twice",
        "unknown dataset 'nope'",
        "names are upper case",
        "codes no source explains",
        "date_format must be one of",
    ):
        assert expected in problems


def test_verified_entries_are_in_their_documents() -> None:
    reference = check_dictionary.reference_dir()
    if reference is None:
        pytest.skip("official documents not found: set ARROW_SUS_REFERENCE or place them at ../shared/reference")
    assert [p for name, doc in DOCS.items() for p in check_dictionary.source_problems(name, doc, reference)] == []


def test_every_real_layout_is_described() -> None:
    low = [(c.dataset, c.files[0], f"{c.share:.1%}") for c in check_dictionary.coverage(DOCS) if c.share < 0.95]
    assert low == []
