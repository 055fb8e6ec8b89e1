#!/usr/bin/env python3
"""Regenerates the reference tables under data/reference/ from the corpus (docs/reference.md).

For every table of data/reference/tables.json: its input DBFs are found among the corpus files by name (the
catalog classifies them: CID10.DBF is aux-cid10, CADGERAC.dbf aux-cadger...), read with arrow-sus's own
reader (``raw=True``, in the catalog's encoding for the dataset), turned into the table by the same builder
``arrow_sus.reference.refresh`` applies to the server's copies (``arrow_sus/reference/_build.py``), and written
as ``data/reference/<dataset>.tsv``. tables.json gets each table's row count and sources (corpus file, sha256
from MANIFEST.tsv, records), and the columns of the tables kept as published. The CNES establishments also read
the type (TP_UNID) of the corpus's CNES-ST files. Only facts are written; the corpus files stay out of the
project.

TSV: a header of column names; a tab between cells; an empty cell is null; booleans ``true``/``false``.

Usage: python tools/make_reference.py [CORPUS_DIR]   (default ../shared/corpus, or $ARROW_SUS_CORPUS)
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa

from arrow_sus.catalog import dataset_info, try_parse_path
from arrow_sus.reader import read_dbc, read_dbf
from arrow_sus.reference._build import build, conform
from arrow_sus.reference._compiled import COLUMN_TYPES

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference"


def corpus_files(corpus: Path) -> dict[str, list[tuple[Path, Any]]]:
    """Dataset id -> its corpus files (with their parsed name), sorted by name."""
    out: dict[str, list[tuple[Path, Any]]] = {}
    for path in sorted(corpus.iterdir()):
        ref = try_parse_path(path.name)
        if ref is not None and ref.dataset and not ref.placeholder:
            out.setdefault(ref.dataset, []).append((path, ref))
    return out


def read_raw(path: Path, dataset: str, **options: Any) -> pa.Table:
    """A corpus DBF (or .dbc) with every field as text, in the catalog's encoding for its dataset."""
    encoding = dataset_info(dataset)["encoding"]
    reader = read_dbc if path.suffix.lower() == ".dbc" else read_dbf
    return reader(path, encoding=encoding, **options)


def establishment_types(files: list[tuple[Path, Any]]) -> pa.Table:
    """CNES, TP_UNID, CODUFMUN and the competence (YYYYMM) of every CNES-ST file of the corpus."""
    tables = []
    for path, ref in files:
        table = read_raw(path, "cnes-st", columns=["CNES", "TP_UNID", "CODUFMUN"], raw=True)
        competence = pa.array([ref.year * 100 + ref.month] * table.num_rows, pa.int64())
        tables.append(table.append_column("competence", competence))
    return pa.concat_tables(tables)


def format_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if any(c in text for c in "\t\r\n"):
        raise SystemExit(f"a value holds a tab or a line break, which the TSV cannot: {text!r}")
    return text


def write_tsv(path: Path, table: pa.Table) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar=None)
        writer.writerow(table.column_names)
        for row in table.to_pylist():
            writer.writerow([format_cell(row[name]) for name in table.column_names])
    tmp.replace(path)


def make_table(
    spec: dict[str, Any], files: dict[str, list[tuple[Path, Any]]]
) -> tuple[pa.Table, list[tuple[Path, Any]]]:
    """The table ``spec`` (an entry of tables.json) describes, from the corpus ``files``, and the files read
    with their record counts (``None`` when only some fields were read). Fills in the columns of a table kept
    as published."""
    dataset = spec["dataset"]
    raw: dict[str, pa.Table] = {}
    sources: list[tuple[Path, Any]] = []
    for input_id in spec["inputs"]:
        if not files.get(input_id):
            raise SystemExit(f"{dataset}: no {input_id} file in the corpus")
        tables = [read_raw(path, input_id, raw=True) for path, _ in files[input_id]]
        raw[input_id] = pa.concat_tables(tables, promote_options="default")
        sources += [(path, table.num_rows) for (path, _), table in zip(files[input_id], tables, strict=True)]
    if dataset == "aux-cadger":
        raw["cnes-st"] = establishment_types(files["cnes-st"])
        sources += [(path, None) for path, _ in files["cnes-st"]]
    if "columns" not in spec:  # kept as published: the DBF's fields, as text
        spec["columns"] = [
            {"name": name, "type": "string", "description_en": "", "description_pt": ""}
            for name in raw[dataset].column_names
        ]
    declared = [(c["name"], COLUMN_TYPES[c["type"]]) for c in spec["columns"]]
    return conform(dataset, build(dataset, raw), declared), sources


def main() -> int:
    default = Path(os.environ.get("ARROW_SUS_CORPUS") or ROOT.parent / "shared" / "corpus")
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    with open(corpus / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        manifest = {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}
    files = corpus_files(corpus)
    doc = json.loads((REFERENCE / "tables.json").read_text(encoding="utf-8"))
    for spec in doc["tables"]:
        table, sources = make_table(spec, files)
        write_tsv(REFERENCE / f"{spec['dataset']}.tsv", table)
        spec["rows"] = table.num_rows
        spec["sources"] = [
            {"file": path.name, "sha256": manifest[path.name]["sha256"], "records": records}
            for path, records in sources
        ]
        print(f"{spec['dataset']}: {table.num_rows} rows from {', '.join(p.name for p, _ in sources)}")
    (REFERENCE / "tables.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
