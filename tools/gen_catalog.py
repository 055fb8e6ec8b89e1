#!/usr/bin/env python3
"""Generates the C++ catalog tables from the reviewed files under data/ (run by CMake at build time).

Standard library only, so it runs wherever the build runs. Reads data/catalog.json, data/ufs.json,
data/municipalities.tsv, data/schemas.json, data/periods.json and the data dictionaries data/dictionary/*.json
(docs/labels.md) and writes one C++ source file that defines the sorted constexpr
arrays behind include/arrow_sus/catalog/catalog.h and dictionary.h.

Usage: gen_catalog.py DATA_DIR OUTPUT.cc
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

PERIODICITY = {"none": "kNone", "monthly": "kMonthly", "yearly": "kYearly"}
COVERAGE = {"uf": "kState", "national": "kNational", "both": "kBoth"}
KIND = {"data": "kData", "auxiliary": "kAuxiliary"}


def write_if_changed(output: Path, text: str) -> None:
    """Writes a generated source only when its content changes, so unchanged data does not trigger a rebuild
    (through a temporary name: a build never sees half a file)."""
    if not output.exists() or output.read_text(encoding="utf-8") != text:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)


def cpp_string(text: str | None) -> str:
    """A C++ string literal (UTF-8) for `text`."""
    out = []
    for ch in text or "":
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":  # not as \x09: a hex escape would swallow the hex digits after it
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def period_key(text: str | None, *, last: bool) -> int:
    """'2008-01' -> 200801; '1996' -> 199600 (first) or 199612 (last); None -> 0 (unbounded)."""
    if not text:
        return 0
    if "-" in text:
        year, month = text.split("-")
        return int(year) * 100 + int(month)
    return int(text) * 100 + (12 if last else 0)


def preliminary_directory(directory: str, system: str) -> str:
    """The preliminary twin of a final server directory: FINAIS replaced by PRELIM when the path has that
    component (SINAN), else ``/dissemin/publicos/<system>/PRELIM/<last component>`` (SIM, SINASC)."""
    parts = directory.split("/")
    if "FINAIS" in parts:
        return "/".join("PRELIM" if p == "FINAIS" else p for p in parts)
    return f"/dissemin/publicos/{system}/PRELIM/{parts[-1]}"


def with_preliminary_layouts(catalog: dict) -> list[dict]:
    """The catalog's datasets with, after every still-published final layout of a system listed under
    ``catalog["preliminary"]["systems"]``, its preliminary twin: same names and periods, the directory from
    :func:`preliminary_directory`. The server moves files between the two, so both are always listed."""
    systems = set(catalog.get("preliminary", {}).get("systems", []))
    datasets = []
    for ds in catalog["datasets"]:
        layouts = []
        for lay in ds["layouts"]:
            layouts.append(lay)
            if ds["system"] in systems and lay["directory"] and not lay.get("last") and not lay.get("preliminary"):
                layouts.append(
                    {**lay, "directory": preliminary_directory(lay["directory"], ds["system"]), "preliminary": True}
                )
        datasets.append({**ds, "layouts": layouts})
    return datasets


class Emitter:
    """Collects named constexpr arrays so that nested spans can refer to them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0

    def array(self, ctype: str, items: list[str]) -> str:
        if not items:
            return "{}"
        self.count += 1
        name = f"kArray{self.count}"
        self.lines.append(f"constexpr {ctype} {name}[] = {{\n    " + ",\n    ".join(items) + "};")
        return f"std::span<const {ctype}>({name})"

    def strings(self, values: list[str]) -> str:
        return self.array("std::string_view", [cpp_string(v) for v in values])

    def named_array(self, ctype: str, name: str, items: list[str]) -> str:
        """An array whose elements other arrays point into (``&name[i]``)."""
        self.lines.append(f"constexpr {ctype} {name}[] = {{\n    " + ",\n    ".join(items or ["{}"]) + "};")
        return f"std::span<const {ctype}>({name}, {len(items)})"


def emit_datasets(em: Emitter, catalog: dict) -> str:
    rows = []
    for ds in sorted(with_preliminary_layouts(catalog), key=lambda d: d["id"]):
        layouts = []
        for lay in ds["layouts"]:
            exts = lay.get("extensions") or [ds["file_type"]]
            layouts.append(
                "{"
                + ", ".join(
                    [
                        cpp_string(lay["directory"]),
                        em.strings(lay["patterns"]),
                        em.strings(exts),
                        str(period_key(lay.get("first"), last=False)),
                        str(period_key(lay.get("last"), last=True)),
                        "true" if lay.get("preliminary") else "false",
                        "true" if lay.get("placeholder") else "false",
                        cpp_string(lay.get("note")),
                    ]
                )
                + "}"
            )
        rows.append(
            "{"
            + ", ".join(
                [
                    cpp_string(ds["id"]),
                    cpp_string(ds["system"]),
                    cpp_string(ds["group"]),
                    f"DatasetKind::{KIND[ds['kind']]}",
                    cpp_string(ds["name_pt"]),
                    cpp_string(ds["name_en"]),
                    cpp_string(ds["description_pt"]),
                    cpp_string(ds["description_en"]),
                    f"Periodicity::{PERIODICITY[ds['periodicity']]}",
                    f"Coverage::{COVERAGE[ds['coverage']]}",
                    cpp_string(ds["file_type"]),
                    cpp_string(ds["encoding"]),
                    "true" if ds["listed"] else "false",
                    em.array("Layout", layouts),
                    em.strings(ds["documentation"]),
                    em.strings(ds["auxiliary"]),
                ]
            )
            + "}"
        )
    return em.array("Dataset", rows)


def emit_ufs(em: Emitter, ufs: dict) -> str:
    rows = [
        "{" + f"{cpp_string(u['code'])}, {u['ibge']}, {cpp_string(u['name'])}, {cpp_string(u['region'])}" + "}"
        for u in sorted(ufs["ufs"], key=lambda u: u["code"])
    ]
    return em.array("Uf", rows)


def emit_municipalities(em: Emitter, path: Path) -> str:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh, delimiter="\t"), key=lambda r: int(r["code6"]))
    return em.array(
        "Municipality",
        [
            "{"
            + ", ".join(
                [
                    str(int(r["code6"])),
                    str(int(r["code7"] or 0)),
                    cpp_string(r["name"]),
                    cpp_string(r["uf"]),
                    "true" if r["current"] == "1" else "false",
                    cpp_string(r["status"]),
                ]
            )
            + "}"
            for r in rows
        ],
    )


def emit_schemas(em: Emitter, schemas: dict) -> str:
    rows = []
    for dataset in sorted(schemas["datasets"]):
        for variant in sorted(schemas["datasets"][dataset], key=lambda v: (v["first"], v["last"])):
            fields = ["{" + f"{cpp_string(f[0])}, '{f[1]}', {f[2]}, {f[3]}" + "}" for f in variant["fields"]]
            rows.append(
                "{"
                + ", ".join(
                    [
                        cpp_string(dataset),
                        str(variant["first"]),
                        str(variant["last"]),
                        em.array("Field", fields),
                        em.strings(variant["files"]),
                    ]
                )
                + "}"
            )
    return em.array("SchemaVariant", rows)


def run_key(text: str) -> int:
    """'2008-01' -> 200801; '1996' -> 199600 (a yearly period: month 0)."""
    year, _, month = text.partition("-")
    return int(year) * 100 + (int(month) if month else 0)


def emit_periods(em: Emitter, periods: dict) -> str:
    """The listed periods of each dataset: runs ``"2008-01..2026-02"`` as (dataset, first, last) rows."""
    rows = []
    for dataset in sorted(periods["datasets"]):
        for run in periods["datasets"][dataset]:
            first, _, last = run.partition("..")
            rows.append("{" + f"{cpp_string(dataset)}, {run_key(first)}, {run_key(last or first)}" + "}")
    return em.array("PeriodRun", rows)


FIELD_KIND = {
    "code": "kCode",
    "number": "kNumber",
    "date": "kDate",
    "time": "kTime",
    "age": "kAge",
    "text": "kText",
    "identifier": "kIdentifier",
}
AGE_ENCODING = {None: "kNone", "sim": "kSim", "sih": "kSih", "sinan": "kSinan"}
VERIFICATION = {"verified": "kVerified", "derived": "kDerived"}


def load_dictionaries(directory: Path) -> list[dict]:
    """The data dictionaries, in file-name order (none when the folder does not exist yet)."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


def emit_dictionary(em: Emitter, dictionaries: list[dict]) -> tuple[str, str]:
    """The code lists (sorted by id) and field entries (sorted by dataset, name, first year) of every
    dictionary, with the source documents they point to. Ids of documents and code lists must be unique
    across files."""
    documents: dict[str, dict] = {}
    lists: dict[str, tuple[dict, dict]] = {}
    fields: list[tuple[dict, dict]] = []
    for doc in dictionaries:
        for doc_id, document in doc.get("documents", {}).items():
            if doc_id in documents and documents[doc_id]["path"] != document["path"]:
                raise SystemExit(f"document id {doc_id!r} names two documents")
            documents[doc_id] = document
        for list_id, code_list in doc.get("code_lists", {}).items():
            if list_id in lists:
                raise SystemExit(f"code list id {list_id!r} is defined twice")
            lists[list_id] = (code_list, doc)
        fields += [(field, doc) for field in doc.get("fields", [])]
    doc_index = {doc_id: i for i, doc_id in enumerate(sorted(documents))}
    doc_rows = [
        "{" + ", ".join(cpp_string(v) for v in (i, d["path"], d["title"], d.get("publisher"))) + "}"
        for i, d in ((i, documents[i]) for i in sorted(documents))
    ]
    em.named_array("SourceDocument", "kSourceDocuments", doc_rows)

    def source(item: dict) -> str:
        src = item.get("source")
        if not src:
            return "{}"
        pages = em.array("int16_t", [str(p) for p in src.get("pages", [])])
        return f"{{&kSourceDocuments[{doc_index[src['document']]}], {pages}}}"

    list_index = {list_id: i for i, list_id in enumerate(sorted(lists))}
    list_rows = []
    for list_id in sorted(lists):
        code_list, _ = lists[list_id]
        codes = sorted(
            (c.get("code", c.get("from")), c.get("code", c.get("to")), c["pt"], c["en"]) for c in code_list["codes"]
        )
        code_span = em.array("Code", ["{" + ", ".join(cpp_string(v) for v in c) + "}" for c in codes])
        list_rows.append(
            "{"
            + ", ".join(
                [
                    cpp_string(list_id),
                    cpp_string(code_list["name_pt"]),
                    cpp_string(code_list["name_en"]),
                    source(code_list),
                    f"Verification::{VERIFICATION[code_list['status']]}",
                    cpp_string(code_list.get("reason")),
                    code_span,
                ]
            )
            + "}"
        )
    list_span = em.named_array("CodeList", "kCodeLists", list_rows)
    rows = []
    for field, _ in fields:
        for dataset in field["datasets"]:
            rows.append((dataset, field["name"].upper(), field.get("first") or 0, field))
    field_rows = []
    for dataset, name, first, field in sorted(rows, key=lambda r: r[:3]):
        code_list = field.get("code_list")
        field_rows.append(
            "{"
            + ", ".join(
                [
                    cpp_string(dataset),
                    cpp_string(name),
                    str(first),
                    str(field.get("last") or 0),
                    cpp_string(field["description_pt"]),
                    cpp_string(field["description_en"]),
                    f"FieldKind::{FIELD_KIND[field['kind']]}",
                    f"&kCodeLists[{list_index[code_list]}]" if code_list else "nullptr",
                    cpp_string(field.get("reference")),
                    cpp_string(field.get("unit")),
                    cpp_string(field.get("date_format")),
                    cpp_string(field.get("time_format")),
                    cpp_string(field.get("separator")),
                    em.strings(field.get("missing", [])),
                    f"AgeEncoding::{AGE_ENCODING[field.get('age_encoding')]}",
                    cpp_string(field.get("age_unit_field")),
                    source(field),
                    f"Verification::{VERIFICATION[field['status']]}",
                    cpp_string(field.get("reason")),
                ]
            )
            + "}"
        )
    return list_span, em.array("FieldInfo", field_rows)


def main() -> int:
    data_dir, output = Path(sys.argv[1]), Path(sys.argv[2])

    def load(name: str) -> dict:
        return json.loads((data_dir / name).read_text(encoding="utf-8"))

    catalog = load("catalog.json")
    periods = load("periods.json")
    em = Emitter()
    code_lists, fields = emit_dictionary(em, load_dictionaries(data_dir / "dictionary"))
    tables = {
        "DatasetTable": ("Dataset", emit_datasets(em, catalog)),
        "UfTable": ("Uf", emit_ufs(em, load("ufs.json"))),
        "MunicipalityTable": ("Municipality", emit_municipalities(em, data_dir / "municipalities.tsv")),
        "SchemaTable": ("SchemaVariant", emit_schemas(em, load("schemas.json"))),
        "CodeListTable": ("CodeList", code_lists),
        "FieldInfoTable": ("FieldInfo", fields),
        "PeriodRunTable": ("PeriodRun", emit_periods(em, periods)),
    }
    body = [
        "// Generated by tools/gen_catalog.py from data/. Do not edit.",
        '#include "catalog/tables.h"',
        "",
        "namespace arrow_sus::catalog::internal {",
        "namespace {",
        *em.lines,
        "}  // namespace",
        "",
        f"std::string_view Version() {{ return {cpp_string(catalog['catalog_version'])}; }}",
        f"std::string_view ListingDate() {{ return {cpp_string(periods['listed_on'])}; }}",
    ]
    for func, (ctype, span) in tables.items():
        value = span if span != "{}" else f"std::span<const {ctype}>()"
        body.append(f"std::span<const {ctype}> {func}() {{ return {value}; }}")
    body.append("}  // namespace arrow_sus::catalog::internal\n")
    write_if_changed(output, "\n".join(body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
