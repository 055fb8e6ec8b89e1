#!/usr/bin/env python3
"""Regenerates data/municipalities.tsv: every municipality code found in DATASUS data.

Sources (both read from ../shared/reference and ../shared/corpus, never committed):
- CADMUN.DBF, the DATASUS municipality register, read with arrow-sus's own DBF reader. It holds the
  6- and 7-digit codes of current municipalities plus the historic ("TRANS", "EXTIN") and "ignored"
  codes (``MMMM00`` per state, ``000000``) that appear in the microdata. Its text is CP850, not Latin-1.
- IBGE's territorial division of 2024 (RELATORIO_DTB_BRASIL_2024_MUNICIPIOS.xls, read with xlrd from the
  ``catalog`` extra): authoritative current names and the ``current`` flag, plus municipalities created
  after the CADMUN snapshot.

Only codes, names, state and status are written (derived facts). Usage:
    python tools/make_municipalities.py [CADMUN.DBF] [DTB.xls]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import xlrd

from arrow_sus.catalog import ufs
from arrow_sus.reader import read_dbf

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def ibge_municipalities(path: Path) -> dict[int, str]:
    """7-digit IBGE code -> name, from the DTB report (header row starts with 'UF', 'Nome_UF')."""
    sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    header_row = next(i for i in range(sheet.nrows) if sheet.cell_value(i, 0) == "UF")
    columns = [str(c) for c in sheet.row_values(header_row)]
    code_col, name_col = columns.index("Código Município Completo"), columns.index("Nome_Município")
    out = {}
    for i in range(header_row + 1, sheet.nrows):
        code = str(sheet.cell_value(i, code_col)).strip()
        if code.isdigit() and len(code) == 7:
            out[int(code)] = str(sheet.cell_value(i, name_col)).strip()
    return out


def state_codes() -> dict[int, str]:
    """IBGE state code -> two-letter state (codes outside any state, like 00, are absent)."""
    return {row["ibge"]: row["code"] for row in ufs().to_pylist() if row["code"] != "BR"}


def main() -> int:
    cadmun = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED / "corpus" / "CADMUN.DBF"
    dtb = (
        Path(sys.argv[2])
        if len(sys.argv) > 2
        else SHARED / "reference" / "RELATORIO_DTB_BRASIL_2024_MUNICIPIOS.xls"
    )
    ibge = ibge_municipalities(dtb)
    states = state_codes()
    table = read_dbf(cadmun, columns=["MUNCOD", "MUNCODDV", "SITUACAO", "MUNNOME", "UFCOD"], encoding="cp850")
    rows: dict[int, dict[str, object]] = {}
    for r in table.to_pylist():
        code6 = int(r["MUNCOD"])
        code7 = int(r["MUNCODDV"]) if r["MUNCODDV"] and r["MUNCODDV"].strip("0") else 0
        rows[code6] = {
            "code6": code6,
            "code7": code7,
            "name": ibge.get(code7, r["MUNNOME"].strip()),
            "uf": states.get(int(r["UFCOD"] or 0), ""),
            "current": 1 if code7 in ibge else 0,
            "status": (r["SITUACAO"] or "").strip(),
        }
    for code7, name in ibge.items():  # created after the CADMUN snapshot
        rows.setdefault(
            code7 // 10,
            {
                "code6": code7 // 10,
                "code7": code7,
                "name": name,
                "uf": states.get(code7 // 100000, ""),
                "current": 1,
                "status": "",
            },
        )
    out = ROOT / "data" / "municipalities.tsv"
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["code6", "code7", "name", "uf", "current", "status"], delimiter="\t")
        writer.writeheader()
        for code6 in sorted(rows):
            writer.writerow(rows[code6])
    print(
        f"{len(rows)} municipality codes ({sum(1 for r in rows.values() if r['current'])} current) -> {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
