"""Shared pytest fixtures: the DATASUS corpus (optional) and small helpers."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

# Where the real corpus is: one definition, shared with the documentation's tutorials (tools/tutorials.py).
from tutorials import corpus_dir  # noqa: E402 (tools/ goes on the path first)


@dataclass(frozen=True)
class CorpusFile:
    """One row of corpus/MANIFEST.tsv."""

    path: Path
    size: int
    records: int
    header_len: int
    record_len: int
    quirks: frozenset[str]


def corpus_manifest() -> list[CorpusFile]:
    """Every file listed in the corpus manifest (empty when the corpus is absent)."""
    base = corpus_dir()
    if base is None:
        return []
    with open(base / "MANIFEST.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [
        CorpusFile(
            path=base / r["file"],
            size=int(r["bytes"]),
            records=int(r["records"]) if r["records"] else -1,
            header_len=int(r["header_len"]) if r["header_len"] else -1,
            record_len=int(r["record_len"]) if r["record_len"] else -1,
            quirks=frozenset(q.strip() for q in r["quirks"].split(";") if q.strip()),
        )
        for r in rows
    ]


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The corpus directory; skips the test with a clear message when it is absent."""
    base = corpus_dir()
    if base is None:
        pytest.skip("DATASUS corpus not found: set ARROW_SUS_CORPUS or place it at ../shared/corpus")
    return base
