#!/usr/bin/env python3
"""Checks the data dictionaries in data/dictionary/*.json (format: docs/labels.md).

Three checks, each usable alone from the tests:

* shape: required keys, known kinds, code lists that exist, catalog ids that exist, no code twice in a list,
  no two entries of one column covering the same year;
* sources: every ``verified`` code list and field against the text of its document (every code and the words
  of every label on the cited pages; the field name on its pages). Needs ../shared/reference (or
  $ARROW_SUS_REFERENCE); skipped with a note when absent;
* coverage: for every layout of data/schemas.json (the field lists of real files), the share of its fields
  that have an entry for its period.

Usage: python tools/check_dictionary.py [--coverage] [--min-coverage 0.95] [--verbose]
Exit status 1 when a check finds a problem.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DICTIONARY_DIR = ROOT / "data" / "dictionary"

KINDS = {"code", "number", "date", "time", "age", "text", "identifier"}
REFERENCES = {
    "municipality",
    "uf",
    "cid10",
    "cid9",
    "cbo",
    "cbo-1994",
    "procedure",
    "cnes",
    "country",
    "country-paisnet",
}
DATE_FORMATS = {"YYYYMMDD", "DDMMYYYY", "YYMMDD", "YYYYMM", "YYYY"}
TIME_FORMATS = {"HHMM"}
AGE_ENCODINGS = {"sim", "sih", "sinan"}
STATUSES = {"verified", "derived"}
#: Words shorter than this are not looked for in the documents (articles, prepositions, abbreviations).
MIN_WORD = 3


def reference_dir() -> Path | None:
    """The official documents: $ARROW_SUS_REFERENCE, else ../shared/reference beside the project."""
    env = os.environ.get("ARROW_SUS_REFERENCE")
    path = Path(env) if env else ROOT.parent / "shared" / "reference"
    return path if path.is_dir() else None


def load_dictionaries(directory: Path = DICTIONARY_DIR) -> dict[str, dict[str, Any]]:
    """Every dictionary file, by file name."""
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}


def catalog_ids() -> set[str]:
    return {d["id"] for d in json.loads((ROOT / "data" / "catalog.json").read_text())["datasets"]}


def _years(entry: dict[str, Any]) -> tuple[int, int]:
    first = entry.get("first") or 0
    last = entry.get("last") or 9999
    return first, last


def shape_problems(name: str, doc: dict[str, Any], ids: set[str]) -> list[str]:
    """What is wrong with the structure of one dictionary file."""
    problems: list[str] = []
    documents = doc.get("documents", {})
    lists = doc.get("code_lists", {})

    def check_source(where: str, item: dict[str, Any]) -> None:
        status = item.get("status")
        if status not in STATUSES:
            problems.append(f"{where}: status must be one of {sorted(STATUSES)}, not {status!r}")
        if status == "derived" and not item.get("reason"):
            problems.append(f"{where}: a derived entry needs a reason")
        source = item.get("source")
        if source is None:
            if status == "verified":
                problems.append(f"{where}: a verified entry needs a source")
            return
        if source.get("document") not in documents:
            problems.append(f"{where}: unknown document {source.get('document')!r}")
        pages = source.get("pages")
        if not isinstance(pages, list) or not pages or not all(isinstance(p, int) and p > 0 for p in pages):
            problems.append(f"{where}: source.pages must be a non-empty list of page numbers")

    for key in ("system", "documents", "code_lists", "fields"):
        if key not in doc:
            problems.append(f"{name}: missing {key!r}")
    for doc_id, document in documents.items():
        if not document.get("path") or not document.get("title"):
            problems.append(f"{name}: document {doc_id} needs a path and a title")
    for list_id, code_list in lists.items():
        where = f"{name}: code list {list_id}"
        for key in ("name_pt", "name_en", "codes"):
            if not code_list.get(key):
                problems.append(f"{where}: missing {key!r}")
        check_source(where, code_list)
        seen: set[str] = set()
        for code in code_list.get("codes", []):
            if not code.get("pt") or not code.get("en"):
                problems.append(f"{where}: code {code} needs pt and en labels")
            if "code" in code:
                keys = [code["code"]]
            elif "from" in code and "to" in code:
                if len(code["from"]) != len(code["to"]) or code["from"] > code["to"]:
                    problems.append(f"{where}: range {code['from']}-{code['to']} is not a same-width range")
                keys = [f"{code['from']}-{code['to']}"]
            else:
                problems.append(f"{where}: entry {code} has neither code nor from/to")
                continue
            for key in keys:
                if not isinstance(key, str):
                    problems.append(f"{where}: code {key!r} must be text, as the DBF stores it")
                if key in seen:
                    problems.append(f"{where}: code {key!r} appears twice")
                seen.add(key)
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for i, field in enumerate(doc.get("fields", [])):
        where = f"{name}: field {field.get('name', f'#{i}')}"
        for key in ("datasets", "name", "description_pt", "description_en", "kind"):
            if not field.get(key):
                problems.append(f"{where}: missing {key!r}")
        if field.get("name") and field["name"] != field["name"].upper():
            problems.append(f"{where}: names are upper case, as in the DBF")
        for dataset in field.get("datasets", []):
            if dataset not in ids:
                problems.append(f"{where}: unknown dataset {dataset!r}")
        kind = field.get("kind")
        if kind not in KINDS:
            problems.append(f"{where}: kind must be one of {sorted(KINDS)}, not {kind!r}")
        if kind == "code":
            if "code_list" in field and "reference" in field:
                problems.append(f"{where}: a code field names a code_list or a reference, not both")
            if "code_list" not in field and "reference" not in field and field.get("status") != "derived":
                problems.append(f"{where}: codes no source explains (no code_list, no reference) are derived")
            if "code_list" in field and field["code_list"] not in lists:
                problems.append(f"{where}: unknown code list {field['code_list']!r}")
            if "reference" in field and field["reference"] not in REFERENCES:
                problems.append(f"{where}: reference must be one of {sorted(REFERENCES)}")
        if kind == "date" and field.get("date_format") not in DATE_FORMATS:
            problems.append(f"{where}: date_format must be one of {sorted(DATE_FORMATS)}")
        if kind == "time" and field.get("time_format") not in TIME_FORMATS:
            problems.append(f"{where}: time_format must be one of {sorted(TIME_FORMATS)}")
        if "separator" in field and (kind != "code" or len(field["separator"]) != 1):
            problems.append(f"{where}: separator is one character, for code fields")
        if "missing" in field and not all(isinstance(v, str) and v for v in field["missing"]):
            problems.append(f"{where}: missing lists raw values as text")
        if kind == "age" and field.get("age_encoding") not in AGE_ENCODINGS:
            problems.append(f"{where}: age_encoding must be one of {sorted(AGE_ENCODINGS)}")
        if (field.get("age_encoding") == "sih") != bool(field.get("age_unit_field")):
            problems.append(f"{where}: the sih age encoding, and only it, names its age_unit_field")
        check_source(where, field)
        first, last = _years(field)
        if first > last:
            problems.append(f"{where}: first {first} is after last {last}")
        for dataset in field.get("datasets", []):
            for other in spans.setdefault((dataset, field.get("name", "")), []):
                if first <= other[1] and other[0] <= last:
                    problems.append(f"{where}: two entries for {dataset} cover the same years ({first}-{last})")
            spans[(dataset, field.get("name", ""))].append((first, last))
    return problems


def normalize(text: str) -> str:
    """Lower case, without accents, punctuation as spaces, whitespace collapsed: how labels are matched."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


@dataclass
class Document:
    """A reference document split into pages (page 1 is before the first form feed)."""

    pages: list[str]

    def text(self, pages: list[int]) -> str:
        return "\n".join(self.pages[p - 1] for p in pages if 0 < p <= len(self.pages))


def load_document(reference: Path, path: str) -> Document | None:
    file = reference / path
    if not file.is_file():
        return None
    return Document(file.read_text(encoding="utf-8", errors="replace").split("\f"))


def _words(label: str) -> list[str]:
    return [w for w in normalize(label).split() if len(w) >= MIN_WORD]


def source_problems(name: str, doc: dict[str, Any], reference: Path) -> list[str]:
    """Verified entries whose codes, label words or field names are not on their cited pages."""
    problems: list[str] = []
    documents: dict[str, Document | None] = {
        doc_id: load_document(reference, d["path"]) for doc_id, d in doc.get("documents", {}).items()
    }
    for doc_id, document in documents.items():
        if document is None:
            problems.append(f"{name}: document {doc_id} not found under {reference}")

    def page_text(item: dict[str, Any]) -> tuple[str, str] | None:
        source = item.get("source") or {}
        document = documents.get(source.get("document"))
        if document is None:
            return None
        raw = document.text(source.get("pages", []))
        return raw, normalize(raw)

    for list_id, code_list in doc.get("code_lists", {}).items():
        if code_list.get("status") != "verified":
            continue
        found = page_text(code_list)
        if found is None:
            continue
        raw, text = found
        words = set(text.split())
        for code in code_list.get("codes", []):
            keys = [code["code"]] if "code" in code else [code.get("from", ""), code.get("to", "")]
            for key in keys:
                if key.strip() and not re.search(rf"(?<![0-9A-Za-z]){re.escape(key.strip())}(?![0-9A-Za-z])", raw):
                    problems.append(f"{name}: {list_id}: code {key!r} is not on pages {code_list['source']['pages']}")
            missing = [w for w in _words(code.get("pt", "")) if w not in words]
            if missing:
                problems.append(
                    f"{name}: {list_id}: label {code.get('pt')!r} of {code.get('code', code.get('from'))!r}: "
                    f"{', '.join(missing)} not on pages {code_list['source']['pages']}"
                )
    for field in doc.get("fields", []):
        if field.get("status") != "verified":
            continue
        found = page_text(field)
        if found is None:
            continue
        raw, _ = found
        if not re.search(rf"(?<![0-9A-Za-z_]){re.escape(field['name'])}(?![0-9A-Za-z_])", raw, re.IGNORECASE):
            problems.append(f"{name}: field {field['name']} is not on pages {field['source']['pages']}")
    return problems


def described_fields(docs: dict[str, dict[str, Any]]) -> Iterator[tuple[str, str, int, int]]:
    """(dataset, field, first year, last year) of every field entry."""
    for doc in docs.values():
        for field in doc.get("fields", []):
            first, last = _years(field)
            for dataset in field.get("datasets", []):
                yield dataset, field["name"], first, last


@dataclass
class Coverage:
    """How much of one real layout the dictionaries describe."""

    dataset: str
    files: list[str]
    described: int
    total: int
    missing: list[str]

    @property
    def share(self) -> float:
        return self.described / self.total if self.total else 1.0


def coverage(docs: dict[str, dict[str, Any]]) -> list[Coverage]:
    """For every layout in data/schemas.json, the fields that have an entry for its period."""
    schemas = json.loads((ROOT / "data" / "schemas.json").read_text())["datasets"]
    entries: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for dataset, field, first, last in described_fields(docs):
        entries.setdefault((dataset, field), []).append((first, last))
    out = []
    for dataset, variants in sorted(schemas.items()):
        for variant in variants:
            first_year = (variant["first"] // 100) or None
            last_year = (variant["last"] // 100) or None
            missing = []
            for field in variant["fields"]:
                spans = entries.get((dataset, field[0].upper()), [])
                covered = any(
                    (first_year is None or (a <= first_year <= b)) and (last_year is None or a <= last_year <= b)
                    for a, b in spans
                )
                if not covered:
                    missing.append(field[0])
            total = len(variant["fields"])
            out.append(Coverage(dataset, variant["files"], total - len(missing), total, missing))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coverage", action="store_true", help="report the described share of every layout")
    parser.add_argument("--min-coverage", type=float, default=0.95, help="fail below this share (with --coverage)")
    parser.add_argument("--verbose", action="store_true", help="list the undescribed fields")
    args = parser.parse_args()
    docs = load_dictionaries()
    ids = catalog_ids()
    problems = [p for name, doc in docs.items() for p in shape_problems(name, doc, ids)]
    reference = reference_dir()
    if reference is None:
        print("note: ../shared/reference not found: verified entries were not checked against their documents")
    else:
        problems += [p for name, doc in docs.items() for p in source_problems(name, doc, reference)]
    for problem in problems:
        print(problem)
    low = []
    if args.coverage:
        for c in coverage(docs):
            flag = "" if c.share >= args.min_coverage else "  << below"
            print(f"{c.dataset:<16} {c.described:>4}/{c.total:<4} {c.share:6.1%}  {c.files[0]}{flag}")
            if args.verbose and c.missing:
                print(f"    missing: {', '.join(c.missing)}")
            if c.share < args.min_coverage:
                low.append(c)
    print(
        f"{len(problems)} problems" + (f", {len(low)} layouts below {args.min_coverage:.0%}" if args.coverage else "")
    )
    return 1 if problems or low else 0


if __name__ == "__main__":
    sys.exit(main())
