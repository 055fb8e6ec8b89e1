"""Labels on every real file of the corpus (skipped without it): each coded column of each file is labelled
from the code list the dictionary gives for its dataset and year (or from the reference table it names), or its
code is kept and counted as unmapped, and the counts the reader reports are exactly those codes."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from conftest import CorpusFile, corpus_manifest

import arrow_sus
from arrow_sus._native import _core

MANIFEST = [f for f in corpus_manifest() if f.records >= 0]
NAMED = [f for f in MANIFEST if arrow_sus.catalog.try_parse_path(f.path.name) is not None]


def _entry_for(dataset: str, field: str, year: int) -> dict[str, Any] | None:
    """The dictionary entry of `field` of `dataset` in `year` (the latest entry for year 0)."""
    entries = [e for e in _core.catalog_dictionary(dataset) if e["name"] == field]
    if year:
        entries = [
            e for e in entries if (e["first_year"] or 0) <= year and (e["last_year"] is None or year <= e["last_year"])
        ]
    return entries[-1] if entries else None


def _label(code_list: dict[str, Any], code: str) -> str | None:
    for entry in code_list["codes"]:
        if entry["first"] == code or (len(code) == len(entry["first"]) and entry["first"] <= code <= entry["last"]):
            return entry["pt"]
    return None


@pytest.mark.skipif(not MANIFEST, reason="DATASUS corpus not found: set ARROW_SUS_CORPUS")
@pytest.mark.parametrize("entry", NAMED, ids=[f.path.name for f in NAMED])
def test_every_coded_column_is_labelled_or_reported_unmapped(entry: CorpusFile) -> None:
    ref = arrow_sus.catalog.parse_path(entry.path.name)
    reader = arrow_sus.read_dbc if entry.path.suffix.lower() == ".dbc" else arrow_sus.read_dbf
    table = reader(entry.path, labels="both", on_truncated="warn")
    unmapped = arrow_sus.table_stats(table)["unmapped_codes"]
    counted: dict[str, int] = {}
    for field in table.schema:
        if not field.name.endswith("_label") or field.name[: -len("_label")] not in table.column_names:
            continue
        column = field.name[: -len("_label")]
        assert pa.types.is_dictionary(table.schema.field(column).type), column
        codes = table.column(column).cast(pa.string()).to_pylist()
        labels = table.column(field.name).cast(pa.string()).to_pylist()
        entry = _entry_for(ref.dataset, column, ref.year or 0)
        code_list = _core.catalog_code_list(entry["code_list"]) if entry and entry["code_list"] else None
        for code, label in zip(codes, labels, strict=True):
            if code is None:
                assert label is None
                continue
            if entry and entry["reference"]:  # labelled from its table (docs/reference.md), else kept
                counted[column] = counted.get(column, 0) + (label == code)
                continue
            expected = _label(code_list, code) if code_list else None
            if expected is None:
                assert label == code, (column, code, label)  # unmapped: kept as its text
                counted[column] = counted.get(column, 0) + (code_list is not None)
            else:
                assert label == expected, (column, code, label)
    assert {k: v for k, v in counted.items() if v} == unmapped
    table.slice(0, 1000).to_pandas()  # categories are distinct: codes sharing a label share one entry
