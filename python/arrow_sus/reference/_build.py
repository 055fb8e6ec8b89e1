"""How each reference table is made from the DBFs DATASUS publishes.

The same functions make the compiled-in copies (``tools/make_reference.py`` over the corpus files) and the
server's copies (:func:`arrow_sus.reference.refresh`, over the members of the TAB archives), so both have the
same rows for the same files. Every input is a DBF read with ``raw=True`` (each field as its trimmed text, in
the catalog's encoding for its dataset): the builders decide what each field means, not the DBF types.

A builder returns plain columns by name; :func:`conform` then checks them against the declared columns of the
table (``data/reference/tables.json``, compiled in) and gives them their types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrow_sus.catalog import municipalities, ufs
from arrow_sus.errors import FormatError
from arrow_sus.reference._compiled import compiled_table

#: Input id -> its DBF rows, every field as trimmed text (or null when blank).
Raw = Mapping[str, pa.Table]
Columns = dict[str, list[Any]]

#: The five regions of ``data/ufs.json``.
REGION_NAMES = {"N": "Norte", "NE": "Nordeste", "SE": "Sudeste", "S": "Sul", "CO": "Centro-Oeste"}

ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}


def _rows(raw: Raw, dataset: str, *fields: str) -> list[dict[str, Any]]:
    """The input's rows, with the fields a builder needs (a clear error naming the missing ones)."""
    table = raw[dataset]
    missing = [f for f in fields if f not in table.column_names]
    if missing:
        raise FormatError(
            f"{dataset}: the table has no field {', '.join(missing)} (fields: {', '.join(table.column_names)})"
        )
    rows: list[dict[str, Any]] = table.select(list(fields)).to_pylist()
    return rows


def _join_titles(rows: list[dict[str, Any]], key: str, title: str) -> dict[str, list[str]]:
    """Titles per key, in the file's order, each title once."""
    out: dict[str, list[str]] = {}
    for row in rows:
        if row[key] is None:
            continue
        titles = out.setdefault(row[key], [])
        if row[title] and row[title] not in titles:
            titles.append(row[title])
    return out


def roman_number(numeral: str) -> int:
    """I..XXII -> 1..22 (the chapters of CID-10)."""
    total = 0
    for i, ch in enumerate(numeral):
        value = ROMAN_VALUES[ch]
        following = ROMAN_VALUES[numeral[i + 1]] if i + 1 < len(numeral) else 0
        total += -value if value < following else value
    return total


def _chapters(raw: Raw) -> list[dict[str, Any]]:
    """CIDCAP10 rows as chapter, number, name and first/last category (``'I. ALGUMAS ...'``, ``'A00-B99'``)."""
    out = []
    for row in _rows(raw, "aux-cidcap10", "DESCRICAO", "CAUSAS"):
        match = re.fullmatch(r"([IVXL]+)\.\s*(.*)", row["DESCRICAO"] or "")
        codes = re.fullmatch(r"([A-Z]\d\d)-([A-Z]\d\d)", row["CAUSAS"] or "")
        if not match or not codes:
            raise FormatError(f"aux-cidcap10: unexpected chapter row {row}")
        out.append(
            {
                "chapter": match.group(1),
                "chapter_number": roman_number(match.group(1)),
                "chapter_name": match.group(2).strip(),
                "chapter_codes": row["CAUSAS"],
                "first": codes.group(1),
                "last": codes.group(2),
            }
        )
    return out


def cidcap10(raw: Raw) -> Columns:
    """The chapters of CID-10."""
    chapters = _chapters(raw)
    return {name: [c[name] for c in chapters] for name in chapters[0]} if chapters else {}


_CID10_LEADING_CODE = re.compile(r"([A-Z]\d\d(?:\.?[0-9A-Z])?)\s+(.*)")


def cid10(raw: Raw) -> Columns:
    """CID-10 categories and subcategories with their category and chapter."""
    chapters = _chapters(raw)
    rows = _rows(raw, "aux-cid10", "CID10", "OPC", "DESCR", "RESTRSEXO")
    described: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = (row["CID10"] or "").upper()
        if not code:
            continue
        text = row["DESCR"] or ""
        match = _CID10_LEADING_CODE.fullmatch(text)
        # DESCR repeats the code ("A00.0 Colera ..."): keep only the words after it.
        description = match.group(2).strip() if match and match.group(1).replace(".", "") == code else text
        described.setdefault(code, {**row, "code": code, "description": description})
    out: Columns = {
        name: []
        for name in (
            "code",
            "category",
            "subcategory",
            "description",
            "category_description",
            "chapter",
            "chapter_number",
            "chapter_name",
            "chapter_codes",
            "sex_restriction",
            "dagger_asterisk",
        )
    }
    for code in sorted(described):
        row = described[code]
        category = code[:3]
        chapter = next((c for c in chapters if c["first"] <= category <= c["last"]), None)
        values = {
            "code": code,
            "category": category,
            "subcategory": code if len(code) == 4 else None,
            "description": row["description"],
            "category_description": described[category]["description"] if category in described else None,
            "sex_restriction": row["RESTRSEXO"],
            "dagger_asterisk": row["OPC"],
        }
        for name in ("chapter", "chapter_number", "chapter_name", "chapter_codes"):
            values[name] = chapter[name] if chapter else None
        for name, value in values.items():
            out[name].append(value)
    return out


def cid9(raw: Raw) -> Columns:
    """CID-9 categories as SIM stores them, with the written code and the description."""
    out: Columns = {"code": [], "icd9": [], "description": []}
    for row in sorted(_rows(raw, "aux-cid9", "DESCRICAO", "CAUSAS"), key=lambda r: r["CAUSAS"] or ""):
        if not row["CAUSAS"]:
            continue
        written, _, description = (row["DESCRICAO"] or "").partition(" ")
        out["code"].append(row["CAUSAS"])
        out["icd9"].append(written if written.endswith(row["CAUSAS"]) else row["CAUSAS"])
        out["description"].append(description.strip() if written.endswith(row["CAUSAS"]) else row["DESCRICAO"])
    return out


def _code_name(rows: list[dict[str, Any]], code: str, name: str) -> Columns:
    """One row per code, its names joined by ' / ' (file order), sorted by code."""
    titles = _join_titles(rows, code, name)
    return {"code": sorted(titles), "name": [" / ".join(titles[c]) or None for c in sorted(titles)]}


def cbo(raw: Raw) -> Columns:
    """CBO 2002 occupations."""
    return _code_name(_rows(raw, "aux-cbo", "CBO", "DS_CBO"), "CBO", "DS_CBO")


def tabocup(raw: Raw) -> Columns:
    """CBO 1994 occupations: the titles of each code."""
    rows = _rows(raw, "aux-tabocup", "CODIGO", "DESCRICAO")
    out = _code_name(rows, "CODIGO", "DESCRICAO")
    titles = _join_titles(rows, "CODIGO", "DESCRICAO")
    out["titles"] = [len(titles[c]) for c in out["code"]]
    return out


def tabpais(raw: Raw) -> Columns:
    """Countries of SIM."""
    return _code_name(_rows(raw, "aux-tabpais", "CODIGO", "DESCRICAO"), "CODIGO", "DESCRICAO")


def paisnet(raw: Raw) -> Columns:
    """Countries of SINAN Net."""
    rows = [r for r in _rows(raw, "aux-paisnet", "ID_PAIS", "COPAISINF", "NM_PAIS") if r["ID_PAIS"]]
    rows.sort(key=lambda r: int(r["ID_PAIS"]) if r["ID_PAIS"].isdigit() else 1 << 62)
    return {
        "id": [r["ID_PAIS"] for r in rows],
        "code": [r["COPAISINF"] for r in rows],
        "name": [r["NM_PAIS"] for r in rows],
    }


def sigtap(raw: Raw) -> Columns:
    """SIGTAP procedures with the levels their code spells."""
    named = _code_name(_rows(raw, "aux-sigtap", "CHAVE", "DS_REGRA"), "CHAVE", "DS_REGRA")
    codes = named["code"]
    return {
        **named,
        "group": [c[:2] for c in codes],
        "subgroup": [c[:4] for c in codes],
        "organization": [c[:6] for c in codes],
    }


def _states() -> dict[str, dict[str, Any]]:
    """IBGE code (2 digits) -> the state of the compiled-in catalog (data/ufs.json)."""

    return {f"{r['ibge']:02d}": r for r in ufs().to_pylist() if r["code"] != "BR"}


def tabuf(raw: Raw) -> Columns:
    """States: letters and codes of TABUF, names and regions of the catalog."""
    states = _states()
    rows = sorted(_rows(raw, "aux-tabuf", "SIGLA_UF", "CODIGO", "DESCRICAO"), key=lambda r: r["CODIGO"] or "")
    out: Columns = {"code": [], "uf": [], "name": [], "region": [], "region_name": []}
    for row in rows:
        state = states.get(row["CODIGO"] or "", {})
        out["code"].append(row["CODIGO"])
        out["uf"].append(row["SIGLA_UF"])
        out["name"].append(state.get("name") or row["DESCRICAO"])
        out["region"].append(state.get("region"))
        out["region_name"].append(REGION_NAMES.get(state.get("region", "")))
    return out


def _coordinate(text: str | None) -> float | None:
    """A CADMUN coordinate; 0 (unknown) is null."""
    value = float(text) if text else 0.0
    return value or None


def cadmun(raw: Raw) -> Columns:
    """Municipalities: CADMUN, plus the codes only the compiled-in catalog knows."""

    states = _states()
    fields = ("MUNCOD", "MUNCODDV", "MUNNOME", "UFCOD", "CAPITAL", "SITUACAO", "SUCESSOR", "RSAUDCOD")
    rows = {r["MUNCOD"]: r for r in _rows(raw, "aux-cadmun", *fields, "LATITUDE", "LONGITUDE") if r["MUNCOD"]}
    for known in municipalities().to_pylist():
        code6 = f"{known['code6']:06d}"
        if code6 not in rows:  # created after the CADMUN snapshot
            rows[code6] = {
                "MUNCOD": code6,
                "MUNCODDV": f"{known['code7']:07d}" if known["code7"] else None,
                "MUNNOME": known["name"],
                "UFCOD": code6[:2],
            }
    names = ("code6", "code7", "name", "uf", "uf_code", "region", "region_name", "capital", "status")
    out: Columns = {name: [] for name in (*names, "successor", "health_region", "latitude", "longitude")}
    for code6 in sorted(rows):
        row = rows[code6]
        state = states.get(row.get("UFCOD") or "", {})
        code7 = row.get("MUNCODDV")
        values = {
            "code6": code6,
            "code7": code7 if code7 and code7.strip("0") else None,
            "name": row.get("MUNNOME"),
            "uf": state.get("code"),
            "uf_code": row.get("UFCOD") if state else None,
            "region": state.get("region"),
            "region_name": REGION_NAMES.get(state.get("region", "")),
            "capital": row.get("CAPITAL") == "S",
            "status": row.get("SITUACAO"),
            "successor": row.get("SUCESSOR"),
            "health_region": row.get("RSAUDCOD"),
            "latitude": _coordinate(row.get("LATITUDE")),
            "longitude": _coordinate(row.get("LONGITUDE")),
        }
        for name, value in values.items():
            out[name].append(value)
    return out


def _establishment_types(raw: Raw) -> dict[str, tuple[str | None, str | None]]:
    """CNES -> (type, municipality): from the CNES-ST rows given as input ``cnes-st`` (the latest competence of
    each establishment), else the type of the compiled-in copy."""
    if "cnes-st" in raw:
        rows = _rows(raw, "cnes-st", "CNES", "TP_UNID", "CODUFMUN", "competence")
        return {r["CNES"]: (r["TP_UNID"], r["CODUFMUN"]) for r in sorted(rows, key=lambda r: r["competence"])}

    compiled = compiled_table("aux-cadger").select(["cnes", "type"]).to_pylist()
    return {r["cnes"]: (r["type"], None) for r in compiled if r["type"]}


def cadger(raw: Raw) -> Columns:
    """Health establishments: the CADGER registers, with the type of the CNES-ST files."""
    states = _states()
    rows: dict[str, dict[str, Any]] = {}
    for row in _rows(raw, "aux-cadger", "CNES", "FANTASIA", "CODUFMUN", "NATUREZA", "EXCLUIDO"):
        if row["CNES"]:
            rows.setdefault(row["CNES"], row)
    types = _establishment_types(raw)
    if "cnes-st" in raw:  # establishments only the CNES-ST files name
        for cnes, (_, municipality) in types.items():
            rows.setdefault(cnes, {"CNES": cnes, "CODUFMUN": municipality})
    out: Columns = {name: [] for name in ("cnes", "name", "municipality", "uf", "nature", "excluded", "type")}
    for cnes in sorted(rows):
        row = rows[cnes]
        municipality = row.get("CODUFMUN")
        values = {
            "cnes": cnes,
            "name": row.get("FANTASIA"),
            "municipality": municipality,
            "uf": states.get((municipality or "")[:2], {}).get("code"),
            "nature": row.get("NATUREZA"),
            "excluded": None if row.get("EXCLUIDO") is None else row["EXCLUIDO"] == "1",
            "type": types.get(cnes, (None, None))[0],
        }
        for name, value in values.items():
            out[name].append(value)
    return out


#: Dataset id -> its builder; tables without one are kept as published (every field as text).
BUILDERS: dict[str, Callable[[Raw], Columns]] = {
    "aux-cadger": cadger,
    "aux-cadmun": cadmun,
    "aux-cbo": cbo,
    "aux-cid10": cid10,
    "aux-cid9": cid9,
    "aux-cidcap10": cidcap10,
    "aux-paisnet": paisnet,
    "aux-sigtap": sigtap,
    "aux-tabocup": tabocup,
    "aux-tabpais": tabpais,
    "aux-tabuf": tabuf,
}


def build(dataset: str, raw: Raw) -> pa.Table | Columns:
    """The table of ``dataset`` from its inputs: a builder's columns, or the first input as published, one row
    per key (its first column: HABILITA lists some codes twice, identically)."""
    builder = BUILDERS.get(dataset)
    if builder:
        return builder(raw)
    table = raw[dataset]
    if not table.num_columns:
        return table
    first = table.column(0).to_pylist()
    seen: dict[Any, int] = {}
    for row, key in enumerate(first):
        if key is not None:
            seen.setdefault(key, row)
    return table.take(pa.array(sorted(seen.values()), pa.int64()))


def conform(dataset: str, data: pa.Table | Columns, columns: list[tuple[str, pa.DataType]]) -> pa.Table:
    """``data`` with exactly the declared columns, in their order and types (a FormatError names what is
    missing: a server table whose layout changed)."""
    names = data.column_names if isinstance(data, pa.Table) else list(data)
    missing = [name for name, _ in columns if name not in names]
    if missing:
        raise FormatError(f"{dataset}: no column {', '.join(missing)} in the table read (it has {', '.join(names)})")
    arrays = []
    for name, type_ in columns:
        values = data.column(name) if isinstance(data, pa.Table) else pa.array(data[name])
        arrays.append(pc.cast(values, type_) if values.type != type_ else values)
    return pa.table(arrays, names=[name for name, _ in columns])


__all__ = ["BUILDERS", "REGION_NAMES", "Raw", "build", "conform", "roman_number"]
