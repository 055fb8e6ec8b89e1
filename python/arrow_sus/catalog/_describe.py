"""describe(): the data dictionary of a dataset, from the compiled-in field lists (data/schemas.json) and data
dictionaries (data/dictionary/*.json, docs/labels.md), with each column's Arrow type as the readers deliver it."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from arrow_sus._format import short_type
from arrow_sus._meaning import meaning_arguments
from arrow_sus._native import _core
from arrow_sus.catalog._paths import PUBLIC_PREFIX, parse_paths
from arrow_sus.catalog._tables import dataset_info, format_period
from arrow_sus.catalog.index import crawl, current_index
from arrow_sus.errors import InvalidArgumentError, NotFoundError
from arrow_sus.reader import open_dbf, reader_header

#: Languages of meanings and labels: Portuguese (as the official documents write them) or English.
LANGUAGES = ("pt", "en")

#: A DBF field as the catalog and the DBF header give it: name, type letter, width, decimals.
DbfField = tuple[str, str, int, int]

#: What the columns the readers add say, by what they are (the engine's ``arrow_sus.derived_as``).
_DERIVED_TEXT = {
    "age_years": ("Idade em anos, decodificada de {}", "Age in years, decoded from {}"),
    "age_unit": ("Unidade da idade codificada em {}", "Unit of the age coded in {}"),
    "age_value": ("Valor da idade na sua unidade, de {}", "Value of the age in its unit, from {}"),
    "label": ("Rótulo do código de {}", "Label of the code in {}"),
}

SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("dbf_type", pa.string()),
        ("length", pa.int32()),
        ("decimals", pa.int32()),
        ("arrow_type", pa.string()),
        ("kind", pa.string()),
        ("description_pt", pa.string()),
        ("description_en", pa.string()),
        ("code_list", pa.string()),
        ("codes", pa.int32()),
        ("reference", pa.string()),
        ("unit", pa.string()),
        ("date_format", pa.string()),
        ("time_format", pa.string()),
        ("age_encoding", pa.string()),
        ("age_unit_field", pa.string()),
        ("separator", pa.string()),
        ("missing", pa.list_(pa.string())),
        ("derived_from", pa.string()),
        ("years", pa.string()),
        ("periods", pa.list_(pa.string())),
        ("document", pa.string()),
        ("document_title", pa.string()),
        ("pages", pa.list_(pa.int16())),
        ("status", pa.string()),
        ("reason", pa.string()),
    ]
)


def delivered_schema(
    dataset: str,
    fields: Sequence[DbfField],
    year: int | None = None,
    *,
    labels: bool | str = False,
    codes_as: str = "dictionary",
    label_language: str = "pt",
) -> pa.Schema:
    """The schema :func:`arrow_sus.read_dbc` (default options, ``typed=True``) delivers for a file of ``dataset``
    and ``year`` (``None``: the latest dictionary entries) whose DBF fields are ``fields``, decided by the engine's
    meaning stage without reading a file: coded columns as dictionaries, dates stored as text as ``date32``,
    numbers stored as text as numbers, decoded ages added (their fields' metadata ``arrow_sus.derived_from`` names
    the DBF fields they come from). ``labels``, ``codes_as`` and ``label_language`` as in the readers."""
    meaning = meaning_arguments(labels, codes_as, label_language)
    rows = [(str(n), str(t), int(w), int(d)) for n, t, w, d in fields]
    capsule = _core.delivered_schema(dataset_info(dataset)["id"], year or 0, rows, **meaning)
    return pa.Schema._import_from_c_capsule(capsule)


def _period_text(first: int, last: int) -> str:
    """``"2008-01..2024-12"``, one period, or ``"any"`` for the tables that have no period (0)."""
    a, b = format_period(first) or "any", format_period(last) or "any"
    return a if a == b else f"{a}..{b}"


def _chosen_variants(
    dataset: str, variants: list[dict[str, Any]], year: int, month: int | None
) -> tuple[list[dict[str, Any]], bool]:
    """The field lists in force for a period, and whether real files of that period were seen.

    Files of one period can differ (a state file and the national file, or two published copies), so every
    variant covering the period counts; without one, the engine's choice (the latest variant that started
    before the period, else the earliest).
    """
    key = year * 100 + (month or 0)

    def covers(v: dict[str, Any]) -> bool:
        first, last = int(v["first"]), int(v["last"])
        if first == 0:  # tables without periods
            return True
        if not month:
            return first // 100 <= year <= last // 100
        return first <= key <= last or (first % 100 == 0 and first // 100 == year)

    covering = [v for v in variants if covers(v)]
    if covering:
        return covering, True
    return [_core.catalog_find_schema(dataset, year, month or 0) or variants[-1]], False


def _merged_fields(variants: list[dict[str, Any]]) -> list[DbfField]:
    """The union of the variants' fields, in first-seen order (the first variant's layout wins)."""
    seen: dict[str, DbfField] = {}
    for variant in variants:
        for f in variant["fields"]:
            seen.setdefault(f[0].upper(), (f[0], f[1], f[2], f[3]))
    return list(seen.values())


def _variant_years(variant: dict[str, Any]) -> tuple[int, int]:
    """The years a variant's files span (tables without periods: every year)."""
    if variant["first"] == 0:
        return 0, 9999
    return variant["first"] // 100, variant["last"] // 100


def _meaning_year(variant: dict[str, Any]) -> int:
    """The year whose dictionary entries type a variant's files: its last (0, the latest, for tables without
    periods)."""
    return int(variant["last"]) // 100


def _entry_years(entry: dict[str, Any]) -> tuple[int, int]:
    return entry["first_year"] or 0, entry["last_year"] or 9999


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _years_text(entry: dict[str, Any]) -> str:
    first, last = entry["first_year"], entry["last_year"]
    if first is None and last is None:
        return "all"
    return f"{first or ''}..{last or ''}"


@functools.cache
def _code_count(list_id: str) -> int:
    """Codes a list holds (a numeric run counts each of its codes)."""
    count = 0
    for code in _core.catalog_code_list(list_id)["codes"]:
        first, last = code["first"], code["last"]
        count += int(last) - int(first) + 1 if first != last and first.isdigit() and last.isdigit() else 1
    return count


@dataclass(frozen=True)
class _Occurrence:
    """A column as a layout has it: the variant, its DBF field (``None`` for columns the readers add) and its
    delivered Arrow field."""

    variant: dict[str, Any] | None
    dbf: DbfField | None
    arrow: pa.Field


def _row(name: str, seen: list[_Occurrence], entry: dict[str, Any] | None) -> dict[str, Any]:
    """One row of the dictionary table: the latest occurrence's types, the entry's meaning and source."""
    latest = seen[0] if seen else None
    dbf = latest.dbf if latest else None
    metadata = (latest.arrow.metadata or {}) if latest else {}
    derived_from = metadata.get(b"arrow_sus.derived_from", b"").decode() or None
    periods: list[str] = []
    for occurrence in sorted(seen, key=lambda o: (o.variant or {}).get("first", 0)):
        if occurrence.variant is not None:
            text = _period_text(occurrence.variant["first"], occurrence.variant["last"])
            if text not in periods:  # several files of one period (state and national copies) count once
                periods.append(text)
    row: dict[str, Any] = {
        "name": dbf[0] if dbf else (latest.arrow.name if latest else name),
        "dbf_type": dbf[1] if dbf else None,
        "length": dbf[2] if dbf else None,
        "decimals": dbf[3] if dbf else None,
        "arrow_type": str(latest.arrow.type) if latest else None,
        "derived_from": derived_from,
        "periods": periods,
        "missing": [],
        "pages": [],
    }
    if derived_from is not None:
        pt, en = _DERIVED_TEXT[metadata[b"arrow_sus.derived_as"].decode()]
        row.update(kind="derived", description_pt=pt.format(derived_from), description_en=en.format(derived_from))
        row.update(status="derived", reason="added by the readers (docs/labels.md)")
    if entry is not None:
        source = entry["source"]
        row.update({k: entry[k] for k in ("kind", "description_pt", "description_en", "code_list", "reference")})
        row.update({k: entry[k] for k in ("unit", "date_format", "time_format", "age_encoding", "age_unit_field")})
        row.update(separator=entry["separator"], missing=entry["missing"], years=_years_text(entry))
        row.update(document=source["document"], document_title=source["title"], pages=source["pages"])
        row.update(status=source["status"], reason=source["reason"])
        row["codes"] = _code_count(entry["code_list"]) if entry["code_list"] else None
    return row


def _occurrences(dataset: str, variant: dict[str, Any] | None, fields: list[DbfField], year: int) -> list[_Occurrence]:
    """The delivered columns of one field list, in the order a read gives them."""
    by_name = {f[0].upper(): f for f in fields}
    schema = delivered_schema(dataset, fields, year)
    return [_Occurrence(variant, by_name.get(f.name.upper()), f) for f in schema]


def _period_rows(
    dataset: str, variants: list[dict[str, Any]], entries: list[dict[str, Any]], year: int, month: int | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Rows for one period: the fields of its layout (merged when files of the period differ), the columns the
    readers add, then dictionary entries in force that year that the layout lacks."""
    note = None
    occurrences: list[_Occurrence] = []
    if variants:
        chosen, seen_in_files = _chosen_variants(dataset, variants, year, month)
        if not seen_in_files:
            note = (
                f"no file of {year}{f'-{month:02d}' if month else ''} was seen when the catalog was built: the "
                f"layout in force by the engine's rule ({_period_text(chosen[0]['first'], chosen[0]['last'])}) "
                "is shown"
            )
        occurrences = _occurrences(dataset, chosen[0], _merged_fields(chosen), year)
    all_seen: dict[str, list[_Occurrence]] = {}
    for variant in variants:
        for o in _occurrences(dataset, variant, [tuple(f) for f in variant["fields"]], _meaning_year(variant)):
            all_seen.setdefault(o.arrow.name.upper(), []).append(o)
    rows = []
    for occurrence in occurrences:
        key = occurrence.arrow.name.upper()
        entry = _core.catalog_field_info(dataset, key, year) if occurrence.dbf else None
        others = [o for o in all_seen.get(key, []) if o.variant is not occurrence.variant]
        rows.append(_row(key, [occurrence, *others], entry))
    names = {o.arrow.name.upper() for o in occurrences}
    for entry in entries:
        first, last = _entry_years(entry)
        if first <= year <= last and entry["name"] not in names:
            rows.append(_row(entry["name"], all_seen.get(entry["name"], []), entry))
            names.add(entry["name"])
    return rows, note


def _all_period_rows(
    dataset: str, variants: list[dict[str, Any]], entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows for every period: each column once per dictionary entry (its meaning per period), with the layouts
    that hold it in those years; columns of the latest layout first."""
    seen: dict[str, list[_Occurrence]] = {}
    for variant in reversed(variants):  # latest first: its types and order lead
        for o in _occurrences(dataset, variant, [tuple(f) for f in variant["fields"]], _meaning_year(variant)):
            seen.setdefault(o.arrow.name.upper(), []).append(o)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_name.setdefault(entry["name"], []).append(entry)
    rows = []
    for name in [*seen, *(n for n in by_name if n not in seen)]:
        occurrences = seen.get(name, [])
        covered: set[int] = set()
        for entry in by_name.get(name, []):
            span = _entry_years(entry)
            matching = [o for o in occurrences if o.dbf and _overlap(_variant_years(o.variant or {}), span)]
            covered |= {id(o) for o in matching}
            rows.append(_row(name, matching, entry))
        rest = [o for o in occurrences if id(o) not in covered]
        if rest:
            rows.append(_row(name, rest, None))
    return rows


def _period_keys(runs: Sequence[tuple[int, int]], monthly: bool) -> set[int]:
    """Every period key (year * 100 + month; month 0 for yearly datasets) in runs of consecutive periods."""
    keys: set[int] = set()
    for first, last in runs:
        if not monthly:
            keys |= {y * 100 for y in range(first // 100, last // 100 + 1)}
            continue
        for key in range(max(first, first // 100 * 100 + 1), last + 1):
            if 1 <= key % 100 <= 12:
                keys.add(key)
    return keys


def _layout_runs(info: dict[str, Any]) -> list[tuple[int, int]]:
    """The periods of the catalog's layouts, still-published ones up to the catalog's version date."""
    version = str(_core.catalog_version())
    until = int(version[:4]) * 100 + int(version[5:7])
    return [
        (layout["first"], min(layout["last"] or until, until))
        for layout in info["layouts"]
        if not layout["placeholder"] and layout["first"] != 0
    ]


def _years_and_months(keys: set[int], monthly: bool) -> tuple[tuple[int, ...], dict[int, tuple[int, ...]]]:
    years = sorted({k // 100 for k in keys})
    months = {y: tuple(sorted(k % 100 for k in keys if k // 100 == y)) for y in years} if monthly else {}
    return tuple(years), months


def _available(info: dict[str, Any]) -> tuple[tuple[int, ...], dict[int, tuple[int, ...]], str]:
    """The dataset's years and months: from the file index when a refreshed one lists files of the dataset
    (``arrow_sus.catalog.refresh``), else from the server listing compiled into the catalog (data/periods.json),
    else, for datasets that listing lacks, from the periods of the catalog's layouts."""
    monthly = info["periodicity"] == "monthly"
    index = current_index()
    if not index.builtin:
        rows = [r for r in index.files.select(["dataset", "year", "month"]).to_pylist() if r["dataset"] == info["id"]]
        keys = {r["year"] * 100 + (r["month"] or 0) for r in rows if r["year"] is not None}
        if keys:
            return (*_years_and_months(keys, monthly), f"file index {index.version}")
    listed = [tuple(run) for run in _core.catalog_listed_periods(info["id"])]
    if listed:
        keys = _period_keys(listed, monthly)
        return (*_years_and_months(keys, monthly), f"server listing {_core.catalog_listing_date()}")
    keys = _period_keys(_layout_runs(info), monthly)
    return (*_years_and_months(keys, monthly), f"catalog {_core.catalog_version()}")


def _year_ranges(years: Sequence[int]) -> str:
    """``1992..2008, 2010`` from a sorted list of years."""
    parts: list[str] = []
    start = prev = None
    for y in [*years, None]:
        if y is not None and prev is not None and y == prev + 1:
            prev = y
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}..{prev}")
        start = prev = y
    return ", ".join(parts) or "none"


def _source_text(source: Mapping[str, Any]) -> str:
    """``"official/Estrutura_SIM_para_CD.txt p. 3, 4"``, with the reason of a derived entry after it."""
    text = source["document"] or ""
    if source["pages"]:
        text += f" p. {', '.join(str(p) for p in source['pages'])}"
    if source["reason"]:
        text += f" ({source['reason']})" if text else source["reason"]
    return text


def _kind_text(row: Mapping[str, Any]) -> str:
    """``code sim-sexo (3)``, ``code → municipality``, ``date DDMMYYYY``, ``number (g)``..."""
    kind = row["kind"] or ""
    if row["code_list"]:
        return f"{kind} {row['code_list']} ({row['codes']})"
    if row["reference"]:
        return f"{kind} → {row['reference']}"
    detail = row["date_format"] or row["time_format"] or row["age_encoding"] or row["unit"]
    return f"{kind} {detail}" if detail else kind


def _dbf_text(row: Mapping[str, Any]) -> str:
    if row["dbf_type"] is None:
        return ""
    return f"{row['dbf_type']}({row['length']}{',' + str(row['decimals']) if row['decimals'] else ''})"


@dataclass(frozen=True)
class DataDictionary:
    """The columns of one dataset — for one period, or every period — with their DBF layout, Arrow type (as the
    readers deliver it), meaning in Portuguese and English, code list, unit, date format, age encoding, the
    periods they exist in, and the source of each meaning (document, pages, verified or derived and why).

    ``table`` has one row per column (per column and dictionary entry when every period is described: a column
    whose meaning changed has one row per period); ``years`` and ``months`` are the periods the dataset has,
    from ``years_source`` (the file index when refreshed, else the server listing compiled into the catalog, else
    the catalog's layouts). ``language`` picks the texts the
    repr and the CLI show.
    """

    dataset: str
    name: str
    period: str
    language: str
    table: pa.Table
    years: tuple[int, ...] = ()
    months: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    years_source: str = ""
    note: str | None = None

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """Arrow C stream of :attr:`table` (so pyarrow, Polars and DuckDB accept the dictionary)."""
        return self.table.__arrow_c_stream__(requested_schema)

    def code_list(self, column: str) -> pa.Table:
        """The codes of ``column``'s code list and their labels: ``code`` (the first of a run), ``last`` (the last
        of a run, null for one code), ``label`` (in :attr:`language`), ``label_pt``, ``label_en``, and where the
        list comes from: ``status`` (``verified`` against its document, or ``derived``) and ``source`` (the
        document and pages, or the reason a derived list gives). A column whose meaning changed over the periods
        described gives its latest list. Raises
        :class:`~arrow_sus.NotFoundError` when the column is not here or has no code list (a column of codes of a
        reference table, such as municipalities or CID-10, names it in the error)."""
        rows = [r for r in self.table.to_pylist() if r["name"].upper() == column.upper()]
        if not rows:
            raise NotFoundError(f"{self.dataset} has no column {column!r} in {self.period}")
        listed = [r for r in rows if r["code_list"]]
        if not listed:
            reference = next((r["reference"] for r in reversed(rows) if r["reference"]), None)
            if reference:
                raise NotFoundError(f"{column} holds codes of the reference table {reference!r}, not a code list")
            raise NotFoundError(f"{column} of {self.dataset} has no code list")
        code_list = _core.catalog_code_list(listed[-1]["code_list"])
        codes, source = code_list["codes"], code_list["source"]
        label = "pt" if self.language == "pt" else "en"
        return pa.table(
            {
                "code": pa.array([c["first"] for c in codes], pa.string()),
                "last": pa.array([c["last"] if c["last"] != c["first"] else None for c in codes], pa.string()),
                "label": pa.array([c[label] for c in codes], pa.string()),
                "label_pt": pa.array([c["pt"] for c in codes], pa.string()),
                "label_en": pa.array([c["en"] for c in codes], pa.string()),
                "status": pa.array([source["status"]] * len(codes), pa.string()),
                "source": pa.array([_source_text(source)] * len(codes), pa.string()),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready values (``arrow-sus describe --json``)."""
        return {
            "dataset": self.dataset,
            "name": self.name,
            "period": self.period,
            "language": self.language,
            "years": list(self.years),
            "months": {str(y): list(m) for y, m in self.months.items()},
            "years_source": self.years_source,
            "note": self.note,
            "columns": self.table.to_pylist(),
        }

    def _headline(self) -> str:
        described = sum(1 for d in self.table.column("description_pt").to_pylist() if d)
        return (
            f"{self.dataset} ({self.name}), columns of {self.period}: {self.table.num_rows} "
            f"({described} described); years {_year_ranges(self.years)} ({self.years_source})"
        )

    def __repr__(self) -> str:
        lines = [self._headline()]
        if self.note:
            lines.append(f"note: {self.note}")
        description = f"description_{self.language}"
        for row in self.table.to_pylist():
            lines.append(
                f"  {row['name']:<11} {_dbf_text(row):<8} {short_type(row['arrow_type']):<24} {_kind_text(row):<24} "
                f"{row[description] or ''}"
            )
        return "\n".join(lines)

    def __rich__(self) -> Any:
        """A rich table (``rich.print(dictionary)``; ``arrow-sus describe`` prints it)."""
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(self._headline()), caption=escape(self.note or ""), title_justify="left")
        for column in ("name", "dbf", "arrow", "kind", "description", "years", "periods", "status"):
            table.add_column(column, overflow="fold")
        for row in self.table.to_pylist():
            cells = [
                row["name"],
                _dbf_text(row),
                short_type(row["arrow_type"]),
                _kind_text(row),
                row[f"description_{self.language}"] or "",
                row["years"] or "",
                ", ".join(row["periods"]),
                row["status"] or "",
            ]
            table.add_row(*(escape(c) for c in cells))
        return table


def _reference_rows(dataset: str) -> list[dict[str, Any]] | None:
    """Rows for an ``aux-*`` dataset that is a reference table (docs/reference.md): the columns ``scan`` and
    ``get`` deliver, with the DBF files they are built from; ``None`` for other datasets."""
    table = next((t for t in _core.reference.tables() if t["dataset"] == dataset), None)
    if table is None:
        return None
    files = ", ".join(name for name, _, _ in table["sources"])
    rows = []
    for name, type_name, description_en, description_pt in table["columns"]:
        kind = "identifier" if name == table["key"] else "number" if type_name != "string" else "text"
        rows.append(
            {
                "name": name,
                "arrow_type": str(pa.type_for_alias(type_name)),  # as pyarrow prints it: float64 -> double
                "kind": kind,
                "description_pt": description_pt,
                "description_en": description_en,
                "reference": table["reference"] if name == table["key"] else None,
                "years": "all",
                "periods": [],
                "missing": [],
                "pages": [],
                "derived_from": files,
                "document": files,
                "document_title": table["title_pt"],
                "status": "derived",
                "reason": table["note"],
            }
        )
    return rows


def _with_published_fields(reference_rows: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reference table's columns, then the DBF fields as ``read_dbf`` reads them. A column kept as published
    (named as a DBF field) takes that field's meaning when the table gives none."""
    meanings = {r["name"]: r for r in rows if r["description_pt"]}
    filled = []
    for r in reference_rows:
        field = meanings.get(r["name"])
        if not r["description_pt"] and field is not None:
            r = {**r, "description_pt": field["description_pt"], "description_en": field["description_en"]}
        filled.append(r)
    return filled + rows


def _live_variant(dataset: str, year: int | None, month: int | None, source: str) -> dict[str, Any]:
    """The field list of the dataset's latest file on ``source`` for the period (one listing of its directories,
    one ranged read)."""
    src = _core.io.open_source(source)
    listed = [entry["path"] for entry in crawl(src, [dataset])]
    files = [
        (ref, path)
        for ref, path in zip(parse_paths(listed), listed, strict=True)
        if ref is not None and ref.dataset == dataset and not ref.placeholder
        and (year is None or ref.year == year) and (month is None or ref.month == month)
    ]  # fmt: skip
    if not files:
        raise NotFoundError(f"no {dataset} file on {src.url} for that period to read the field list from")
    ref, path = max(files, key=lambda f: ((f[0].year or 0), (f[0].month or 0), f[1]))
    head = src.read_range(path[len(PUBLIC_PREFIX) :], 0, 32 + 32 * 255 + 2 + 4)
    header = reader_header(open_dbf(head))
    key = (ref.year or 0) * 100 + (ref.month or 0)
    return {"first": key, "last": key, "fields": [tuple(f) for f in header["fields"]]}


def describe(
    dataset: str,
    year: int | None = None,
    month: int | None = None,
    *,
    source: str | None = None,
    language: str = "pt",
) -> DataDictionary:
    """The data dictionary of ``dataset``, for one period (``year``, ``month``) or, by default, every period.

    Each row is a column: name, DBF type, length and decimals (of the real files the catalog was built from),
    the Arrow type a typed read delivers (dictionary for coded columns, ``date32``, numbers for numbers stored as
    text; the columns the readers add, such as ``IDADE_ANOS``, too), kind, meaning in Portuguese and English,
    code list (``code_list`` id and its number of ``codes``; :meth:`DataDictionary.code_list` gives them) or
    reference table, unit, date format, age encoding, the years of the dictionary entry and the periods of the
    layouts that hold it, and its source (document, pages) and status (verified, or derived with the reason).
    Columns the dictionary knows but no sampled file showed have no DBF or Arrow type. The dictionary also says
    which years (and months) the dataset has. Every catalog id works; a dataset with no field list compiled in
    gives an empty table (with a ``note``) unless ``source`` (a server or mirror URL) is given: then the field
    list is read from the header of its latest file there. ``language`` (``"pt"`` or ``"en"``) picks the texts
    the repr shows. A reference table (``aux-cid10``, ``aux-cadmun``...: docs/reference.md) lists first the
    columns ``scan`` delivers (``derived_from`` names the DBF files it is built from), then those files' fields.
    Raises :class:`arrow_sus.NotFoundError` for
    an unknown dataset.
    """
    if language not in LANGUAGES:
        raise InvalidArgumentError(f"language must be 'pt' or 'en', not {language!r}")
    info = dataset_info(dataset)
    ds = info["id"]
    variants = _core.catalog_schemas(ds)
    if not variants and source is not None:
        variants = [_live_variant(ds, year, month, source)]
    entries = list(_core.catalog_dictionary(ds))
    note = None
    reference_rows = _reference_rows(ds)
    if year is None:
        rows = _all_period_rows(ds, variants, entries)
        if variants:
            period = _period_text(min(v["first"] for v in variants), max(v["last"] for v in variants))
            period = "any" if period == "any" else f"every period ({period})"
        else:
            period = "every period"
    else:
        rows, note = _period_rows(ds, variants, entries, int(year), int(month) if month else None)
        period = f"{int(year):04d}" + (f"-{int(month):02d}" if month else "")
    if reference_rows is not None:
        note = (
            "a reference table: first the columns scan() and get deliver (derived_from names the DBF files they "
            "are built from), then the fields of those files as read_dbf reads them"
        )
        rows = _with_published_fields(reference_rows, rows)
    if not rows:
        note = (
            f"no field list of {ds} is compiled in and its dictionary has no entries"
            + ("" if year is None else " for that year")
            + ": pass source= (e.g. the DATASUS FTP or a mirror) to read one from the header of one of its files"
        )
    years, months, years_source = _available(info)
    return DataDictionary(
        dataset=ds,
        name=info["name_pt"] if language == "pt" else info["name_en"],
        period=period,
        language=language,
        table=pa.Table.from_pylist(rows, schema=SCHEMA),
        years=years,
        months=months,
        years_source=years_source,
        note=note,
    )
