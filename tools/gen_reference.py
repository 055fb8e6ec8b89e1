#!/usr/bin/env python3
"""Compiles the reference tables of data/reference/ into the engine (run by CMake at build time).

Standard library only. Reads data/reference/tables.json and each table's TSV and writes one C++ source that
defines the sorted constexpr array behind include/arrow_sus/reference/compiled.h: every table's metadata and
its rows as TSV text (without the header) compressed as one raw deflate stream (about a fifth of the text), cut
into string literals, inflated and parsed into Arrow on first use.

Usage: gen_reference.py REFERENCE_DIR OUTPUT.cc
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

from gen_catalog import cpp_string, write_if_changed  # the catalog's literals (tools/ is the script's folder)

COLUMN_TYPES = {"string": "kString", "int64": "kInt64", "float64": "kFloat64", "bool": "kBool"}
#: Bytes of compressed text per string literal: far below what compilers accept.
CHUNK_BYTES = 16 * 1024
#: Bytes written as themselves in a literal; every other byte is a three-digit octal escape (unambiguous, unlike a
#: hex escape, whatever follows it).
PLAIN = frozenset(range(0x20, 0x7F)) - {ord("\\"), ord('"'), ord("?")}


def deflated(text: bytes) -> bytes:
    """``text`` as one raw deflate stream (no zlib or gzip wrapper: what Arrow's DEFLATE format inflates)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(text) + compressor.flush()


def byte_literal(data: bytes) -> str:
    """A C++ string_view of ``data`` (with its length, so NUL bytes and megabytes are fine)."""
    body = "".join(chr(b) if b in PLAIN else f"\\{b:03o}" for b in data)
    return f'std::string_view("{body}", {len(data)})'


def read_rows(path: Path, columns: list[str]) -> list[str]:
    """The TSV's data lines, checked against the declared columns."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if not lines or lines[0].rstrip("\n").split("\t") != columns:
        raise SystemExit(f"{path}: the header is not the declared columns {columns}")
    for number, line in enumerate(lines[1:], start=2):
        if not line.endswith("\n") or line.count("\t") != len(columns) - 1:
            raise SystemExit(f"{path}:{number}: expected {len(columns)} cells ending with a newline")
    return lines[1:]


def main() -> int:
    reference_dir, output = Path(sys.argv[1]), Path(sys.argv[2])
    doc = json.loads((reference_dir / "tables.json").read_text(encoding="utf-8"))
    arrays: list[str] = []
    rows: list[str] = []
    for n, table in enumerate(sorted(doc["tables"], key=lambda t: t["dataset"])):
        names = [c["name"] for c in table["columns"]]
        lines = read_rows(reference_dir / f"{table['dataset']}.tsv", names)
        text = "".join(lines).encode("utf-8")
        packed = deflated(text)
        if len(lines) != table["rows"]:
            raise SystemExit(f"{table['dataset']}: {len(lines)} rows in the TSV, tables.json says {table['rows']}")
        columns = [
            "{"
            + ", ".join(
                [
                    cpp_string(c["name"]),
                    f"ColumnType::{COLUMN_TYPES[c['type']]}",
                    cpp_string(c.get("description_en")),
                    cpp_string(c.get("description_pt")),
                ]
            )
            + "}"
            for c in table["columns"]
        ]
        sources = []
        for source in table["sources"]:
            records = -1 if source["records"] is None else source["records"]
            sources.append("{" + f"{cpp_string(source['file'])}, {cpp_string(source['sha256'])}, {records}" + "}")
        arrays += [
            f"constexpr ReferenceColumn kColumns{n}[] = {{\n    " + ",\n    ".join(columns) + "};",
            f"constexpr ReferenceSource kSources{n}[] = {{\n    " + ",\n    ".join(sources) + "};",
            f"constexpr std::string_view kLookup{n}[] = {{"
            + ", ".join(cpp_string(c) for c in table.get("lookup") or names[1:])
            + "};",
            f"constexpr std::string_view kInputs{n}[] = {{" + ", ".join(cpp_string(i) for i in table["inputs"]) + "};",
            f"constexpr std::string_view kDeflated{n}[] = {{\n    "
            + ",\n    ".join(byte_literal(packed[i : i + CHUNK_BYTES]) for i in range(0, len(packed), CHUNK_BYTES))
            + "};",
        ]
        rows.append(
            "{"
            + ", ".join(
                [
                    cpp_string(table["dataset"]),
                    cpp_string(table.get("reference", "")),
                    cpp_string(table.get("title_en", "")),
                    cpp_string(table.get("title_pt", "")),
                    cpp_string(table.get("key") or names[0]),
                    cpp_string(table["key_kind"]),
                    str(table.get("key_width", 0)),
                    f"kLookup{n}",
                    f"kInputs{n}",
                    f"kColumns{n}",
                    f"kSources{n}",
                    cpp_string(table.get("note", "")),
                    str(table["rows"]),
                    f"kDeflated{n}",
                    str(len(text)),
                ]
            )
            + "}"
        )
    body = [
        "// Generated by tools/gen_reference.py from data/reference/. Do not edit.",
        '#include "reference/compiled_list.h"',
        "",
        "namespace arrow_sus::reference::internal {",
        "namespace {",
        *arrays,
        "constexpr ReferenceTableInfo kTables[] = {\n    " + ",\n    ".join(rows) + "};",
        "}  // namespace",
        "",
        "std::span<const ReferenceTableInfo> CompiledTableList() { return kTables; }",
        "}  // namespace arrow_sus::reference::internal\n",
    ]
    write_if_changed(output, "\n".join(body))
    return 0


if __name__ == "__main__":
    sys.exit(main())
