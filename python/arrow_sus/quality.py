"""``arrow_sus.check``: a quality report on DATASUS data, per column: rows, nulls, unmapped codes, invalid dates,
out-of-range values and mixed code systems (docs/labels.md, "Quality report").

>>> report = arrow_sus.check(arrow_sus.scan("sim-do", uf="AC", year=2022))   # doctest: +SKIP
>>> report.table      # one row per column                                     # doctest: +SKIP
>>> report.summary    # totals                                                 # doctest: +SKIP
>>> report.periods    # records per period                                     # doctest: +SKIP
>>> report.write_html("report.html")   # the same, with charts, as one page    # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrow_sus._format import short_type
from arrow_sus._meaning import meaning_arguments
from arrow_sus._native import _core
from arrow_sus._quality_rules import EXAMPLES, ColumnCounter, add_counts, invalid_dates, rules_for
from arrow_sus._report_html import render_html, write_page
from arrow_sus.catalog import dataset_info, delivered_schema, try_parse_path
from arrow_sus.errors import InvalidArgumentError
from arrow_sus.filters import filter_fields
from arrow_sus.reader import read_dbc, read_dbf, table_stats
from arrow_sus.scan import SOURCE_COLUMNS, Scan

#: The problems the report counts, in its column order.
PROBLEMS = ("unmapped_codes", "invalid_dates", "out_of_range", "mixed_codes")
#: Values kept per coded column in :attr:`QualityReport.distributions`, most frequent first.
TOP_VALUES = 10

PERIODS_SCHEMA = pa.schema([("period", pa.string()), ("rows", pa.int64())])

SCHEMA = pa.schema(
    [
        ("column", pa.string()),
        ("arrow_type", pa.string()),
        ("kind", pa.string()),
        ("rows", pa.int64()),
        ("nulls", pa.int64()),
        ("unmapped_codes", pa.int64()),
        ("invalid_dates", pa.int64()),
        ("out_of_range", pa.int64()),
        ("mixed_codes", pa.int64()),
        ("rule", pa.string()),
        ("examples", pa.list_(pa.string())),
    ]
)


@dataclass
class _Data:
    """What the report reads: the typed data (codes kept), the engine's unmapped-code counts once it is read,
    and the raw text of date columns stored as text."""

    dataset: str | None
    year: int | None
    batches: Callable[[], Iterable[pa.RecordBatch]]
    schema: pa.Schema
    engine_unmapped: Callable[[], dict[str, int] | None] = lambda: None
    date_texts: Callable[[list[str]], Iterable[pa.RecordBatch]] | None = None
    files: int = 0
    files_read: Callable[[], tuple[int, int]] = lambda: (0, 0)  # files done and bytes downloaded so far
    notes: list[str] = field(default_factory=list)
    period: str | None = None  # the period of every row (one file), or None: read from the year/month columns
    added: frozenset[str] = frozenset()  # columns the report added to read periods (not checked)


@dataclass(frozen=True)
class CheckProgress:
    """How far :func:`check` is, given to its ``progress`` callback after each batch: rows counted, files
    read out of ``files`` (0 when the data is a table), bytes downloaded."""

    rows: int
    files_done: int
    files: int
    bytes_downloaded: int


@dataclass(frozen=True)
class QualityReport:
    """The quality report of some data: ``table`` has one row per column (``rows``, ``nulls`` and the problems
    counted there; null where a check does not apply: ``unmapped_codes`` only for columns with a code list or a
    reference table, ``invalid_dates`` for dates stored as text, ``out_of_range`` for dates, ages and quantities
    with a unit, ``mixed_codes`` for CID columns), with the ``rule`` applied and a few ``examples`` of offending
    values; ``summary`` the totals."""

    dataset: str | None
    table: pa.Table
    summary: dict[str, Any]
    #: Records per period (``period``: ``"2024-01"``, ``"2013"`` for yearly files; ``rows``), in order; empty
    #: when the data says nothing of its periods.
    periods: pa.Table = field(default_factory=PERIODS_SCHEMA.empty_table)
    #: The most frequent values of each column with a code list (their labels when the data has them), with
    #: their counts: ``{"SEXO": [("feminino", 2012), ("masculino", 1906)], ...}``.
    distributions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """Arrow C stream of :attr:`table`."""
        return self.table.__arrow_c_stream__(requested_schema)

    def problems(self) -> pa.Table:
        """The rows of columns with at least one problem."""
        rows = [r for r in self.table.to_pylist() if any(r[p] for p in PROBLEMS)]
        return pa.Table.from_pylist(rows, schema=SCHEMA)

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready values (``arrow-sus check --json``)."""
        return {
            "dataset": self.dataset,
            "summary": self.summary,
            "columns": self.table.to_pylist(),
            "periods": self.periods.to_pylist(),
            "distributions": {k: [list(pair) for pair in v] for k, v in self.distributions.items()},
        }

    def to_html(self) -> str:
        """The report as one self-contained HTML page (charts drawn as inline SVG, no external resource):
        records per period, null and unmapped-code rates per column, the distributions of coded columns and
        the table of problems."""
        return render_html(self.summary, self.table, self.periods, self.distributions, PROBLEMS)

    def write_html(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Writes :meth:`to_html` to ``path`` (under a temporary name, moved into place when complete); an
        existing file is replaced only if arrow-sus wrote it or ``overwrite`` is true. Returns the path."""
        return write_page(self.to_html(), Path(path), overwrite=overwrite)

    def _headline(self) -> str:
        s = self.summary
        counts = ", ".join(f"{s[p]:,} {p.replace('_', ' ')}" for p in PROBLEMS)
        return f"{self.dataset or 'data'}: {s['rows']:,} rows, {s['columns']} columns; {counts}"

    def __repr__(self) -> str:
        lines = [self._headline(), *(f"note: {n}" for n in self.summary["notes"])]
        heads = ("nulls", "unmapped", "bad date", "range", "mixed")
        lines.append(f"  {'column':<14} " + " ".join(f"{h:>9}" for h in heads) + "  examples")
        for r in self.table.to_pylist():
            counts = " ".join(f"{'' if r[k] is None else r[k]:>9}" for k in ("nulls", *PROBLEMS))
            lines.append(f"  {r['column']:<14} {counts}  {', '.join(r['examples'])}")
        return "\n".join(lines)

    def __rich__(self) -> Any:
        """A rich table (``arrow-sus check`` prints it); problems in red."""
        from rich.markup import escape
        from rich.table import Table

        notes = "\n".join(self.summary["notes"])
        table = Table(title=escape(self._headline()), caption=escape(notes), title_justify="left")
        for column in ("column", "arrow", "kind", "nulls", "unmapped", "invalid dates", "out of range", "mixed"):
            table.add_column(column, justify="right" if column not in ("column", "arrow", "kind") else "left")
        table.add_column("rule / examples", overflow="fold")
        for r in self.table.to_pylist():
            cells = [f"{r['nulls']:,}"]
            cells += ["" if r[p] is None else f"[red]{r[p]:,}[/]" if r[p] else "0" for p in PROBLEMS]
            detail = r["rule"] or ""
            if r["examples"]:
                detail += (" · " if detail else "") + "e.g. " + ", ".join(r["examples"])
            kind = r["kind"] or ""
            table.add_row(escape(r["column"]), escape(short_type(r["arrow_type"])), kind, *cells, escape(detail))
        return table


def _label_column(schema: pa.Schema, arrow_field: pa.Field) -> bool:
    """A COL_label column beside its codes (the labels repeat the codes' checks)."""
    metadata = arrow_field.metadata or {}
    return b"arrow_sus.labels" in metadata and arrow_field.name.removesuffix("_label") in schema.names


def _stored_dates(schema: pa.Schema) -> dict[str, str]:
    """Date columns and the format of the text the file stores them as: typed from text (the typing marks them
    with their format), or DBF date fields (``D``, YYYYMMDD)."""
    out = {}
    for f in schema:
        metadata = f.metadata or {}
        if b"arrow_sus.format" in metadata:
            out[f.name] = metadata[b"arrow_sus.format"].decode()
        elif metadata.get(b"dbf.type") == b"D" and pa.types.is_date(f.type):
            out[f.name] = "YYYYMMDD"
    return out


def _derived_columns(schema: pa.Schema, dataset: str | None, year: int | None) -> dict[str, str]:
    """The columns the readers added to the DBF fields of ``schema`` (decoded ages, labels) and what each is, as
    the engine decides it for those fields (the DBF fields carry their DBF type in their metadata)."""

    fields = []
    for f in schema:
        metadata = f.metadata or {}
        if b"dbf.type" in metadata:
            width, decimals = int(metadata[b"dbf.width"]), int(metadata[b"dbf.decimals"])
            fields.append((f.name, metadata[b"dbf.type"].decode(), width, decimals))
    if dataset is None or not fields:
        return {}
    delivered = delivered_schema(dataset, fields, year, labels="both")
    return {
        f.name: f.metadata[b"arrow_sus.derived_as"].decode()
        for f in delivered
        if f.metadata and b"arrow_sus.derived_as" in f.metadata
    }


def _batches_of(reader_factory: Callable[[], pa.RecordBatchReader]) -> Iterator[pa.RecordBatch]:
    reader = reader_factory()
    try:
        yield from reader
    finally:
        reader.close()


def _from_scan(data: Scan) -> _Data:
    """A scan read typed with its codes and labels (so that the engine counts unmapped codes), its files,
    columns and filters kept; date columns stored as text read again as raw text."""

    typed = data._with(typed=True, raw=False, meaning=meaning_arguments("both", "dictionary", "pt"), with_source=True)
    schema = typed.schema
    years = [y for y in data.files().column("year").to_pylist() if y is not None]
    result = _Data(
        dataset=data.dataset,
        year=max(years) if years else None,
        batches=lambda: _batches_of(typed.to_reader),
        schema=schema,
        engine_unmapped=typed.unmapped_codes,
        files=len(data),
        files_read=lambda: (typed.stats.files_done, typed.stats.bytes_downloaded),
        added=frozenset() if data._options.scan.with_source else frozenset(SOURCE_COLUMNS),
    )
    dates = set(_stored_dates(schema))
    dbf_fields = {f.name for f in schema if b"dbf.type" in (f.metadata or {})}
    filtered = set(filter_fields(data._options.filters))
    if filtered <= dbf_fields - dates:  # the same rows when the filter reads raw fields only
        result.date_texts = lambda columns: _batches_of(
            data._with(raw=True, typed=False, columns=tuple(columns)).to_reader
        )
    elif dates:
        result.notes.append("invalid dates not counted per column: the filter reads typed or added columns")
    return result


def _from_file(path: Path, dataset: str | None) -> _Data:
    """A .dbc/.dbf file read typed with its codes and labels, its date columns stored as text read again raw."""

    read = read_dbc if path.suffix.lower() == ".dbc" else read_dbf
    table = read(path, dataset=dataset, labels="both")
    result = _from_table(table, dataset, None)
    result.engine_unmapped = lambda: dict(table_stats(table)["unmapped_codes"])
    result.date_texts = lambda columns: read(path, columns=columns, raw=True).to_batches()
    result.files = 1
    result.files_read = lambda: (1, 0)  # read whole before the count starts
    return result


def _from_table(table: pa.Table, dataset: str | None, year: int | None) -> _Data:
    """A table as it is; the dataset and year from the arguments, else from the file it was read from."""

    source = (table.schema.metadata or {}).get(b"arrow_sus.source")
    ref = try_parse_path(os.path.basename(source.decode())) if source else None
    if dataset is None and ref is not None:
        dataset = ref.dataset
    if year is None and ref is not None and ref.dataset == dataset:
        year = ref.year
    result = _Data(dataset=dataset, year=year, batches=table.to_batches, schema=table.schema)
    if ref is not None and ref.year is not None:
        result.period = _period_name(ref.year, ref.month)
    try:
        stats = table_stats(table)
    except KeyError:
        return result
    result.engine_unmapped = lambda: dict(stats["unmapped_codes"])
    invalid = stats.get("invalid_dates", 0) + sum(stats.get("invalid_values", {}).values())
    if invalid and _stored_dates(table.schema):
        result.notes.append(
            f"{invalid:,} invalid values when the table was read (check the file itself to count invalid dates "
            "per column)"
        )
    return result


def _period_name(year: int, month: int | None) -> str:
    return f"{year}-{month:02d}" if month else str(year)


def _add_periods(counts: dict[int, int], batch: pa.RecordBatch) -> None:
    """Adds the rows of ``batch`` per period (``year * 100 + month``; month 0 for yearly files) to ``counts``,
    from its ``year`` and ``month`` columns."""
    names = batch.schema.names
    if "year" not in names:
        return
    year = batch.column("year").cast(pa.int64())
    month = batch.column("month").cast(pa.int64()) if "month" in names else pa.nulls(len(year), pa.int64())
    keys = pc.add(pc.multiply(year, 100), pc.fill_null(month, 0))
    found = pc.value_counts(keys.drop_null())
    for key, count in zip(found.field(0).to_pylist(), found.field(1).to_pylist(), strict=True):
        counts[key] = counts.get(key, 0) + count


def _periods_table(counts: dict[int, int], period: str | None, rows: int) -> pa.Table:
    if period is not None:
        return pa.Table.from_pylist([{"period": period, "rows": rows}], schema=PERIODS_SCHEMA)
    ordered = [{"period": _period_name(k // 100, k % 100), "rows": counts[k]} for k in sorted(counts)]
    return pa.Table.from_pylist(ordered, schema=PERIODS_SCHEMA)


def _top(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_VALUES]


def _files_and_bytes(source: _Data) -> tuple[int, int, int]:
    """Files done, files in all, bytes downloaded (a file or table counts as done once read)."""
    done, downloaded = source.files_read()
    return done, source.files, downloaded


def _resolve(data: Any, dataset: str | None, year: int | None) -> _Data:

    if dataset is not None:
        dataset = dataset_info(dataset)["id"]
    if isinstance(data, Scan):
        return _from_scan(data)
    if isinstance(data, (str, os.PathLike)):
        return _from_file(Path(data), dataset)
    if isinstance(data, pa.Table):
        return _from_table(data, dataset, year)
    if hasattr(data, "__arrow_c_stream__"):
        return _from_table(pa.table(data), dataset, year)
    raise InvalidArgumentError(
        f"check() takes a Scan, a pyarrow Table (or any Arrow stream) or the path of a .dbc/.dbf, not "
        f"{type(data).__name__}"
    )


def check(
    data: Any,
    *,
    dataset: str | None = None,
    year: int | None = None,
    today: dt.date | None = None,
    progress: Callable[[CheckProgress], None] | None = None,
) -> QualityReport:
    """The quality report of ``data``: a :class:`arrow_sus.Scan`, a table read by arrow-sus (or any Arrow table
    or stream), or the path of a ``.dbc`` / ``.dbf``. Per column: rows, nulls, and the problems found —

    - **unmapped codes**: codes a column's code list or reference table (CID-10, municipalities...) lacks (as
      the readers find them);
    - **invalid dates**: text in a date column that is not a date in its format (blank and all-zero text are
      no date, not invalid);
    - **out of range**: dates before 1900 or after ``today``; ages past 130 years; negative quantities of the
      units the dictionary gives (weights, ages, counts, money...);
    - **mixed code systems**: CID-9 codes (digits only) in a CID-10 column, CID-10 codes in a CID-9 one.

    What each column holds comes from the data dictionary of ``dataset`` for ``year`` (defaults: the scan's, or
    the file's the table was read from). A scan is read again, typed and with its codes, whatever options it
    was made with (its files, columns and filters are kept); so is a file. ``progress``, when given, is called
    with a :class:`CheckProgress` after each batch (``arrow-sus check`` draws its progress bar with it). Returns a
    :class:`QualityReport`; raises :class:`~arrow_sus.InvalidArgumentError` for data of another kind and the
    readers' errors for files that cannot be read.
    """
    today = today or dt.date.today()
    source = _resolve(data, dataset, year)
    schema = source.schema
    columns = [f for f in schema if not _label_column(schema, f) and f.name not in source.added]
    derived = _derived_columns(schema, source.dataset, source.year)
    entries: dict[str, dict[str, Any] | None] = {}
    for f in columns:
        known = source.dataset is not None and f.name not in derived  # added columns have no entry of their own
        entries[f.name] = _core.catalog_field_info(source.dataset, f.name, source.year or 0) if known else None
    counters = {f.name: ColumnCounter(rules_for(f, entries[f.name], derived.get(f.name), today)) for f in columns}
    # The distribution of a coded column is counted on its labels when the data has them.
    shown = {c: f"{c}_label" if f"{c}_label" in schema.names else c for c, k in counters.items() if k.rules.code_list}
    distributions: dict[str, dict[str, int]] = {c: {} for c in shown}
    periods: dict[int, int] = {}
    rows_seen = 0
    for batch in source.batches():
        for name, counter in counters.items():
            counter.add(batch.column(name))
        for name, column in shown.items():
            add_counts(distributions[name], batch.column(column))
        if source.period is None:
            _add_periods(periods, batch)
        rows_seen += batch.num_rows
        if progress is not None:
            progress(CheckProgress(rows_seen, *_files_and_bytes(source)))
    engine = source.engine_unmapped()
    stored = {n: fmt for n, fmt in _stored_dates(schema).items() if n in counters}
    invalid = {n: invalid_dates(c.values, c.rules.date_format) for n, c in counters.items() if c.rules.date_format}
    if stored and source.date_texts is not None:
        texts: dict[str, dict[str, int]] = {n: {} for n in stored}
        for batch in source.date_texts(list(stored)):
            for n in stored:
                add_counts(texts[n], batch.column(n))
        invalid |= {n: invalid_dates(texts[n], fmt) for n, fmt in stored.items()}
    rows = []
    for f in columns:
        counter, entry = counters[f.name], entries[f.name]
        examples = list(counter.examples)
        unmapped = None
        if counter.rules.code_list is not None or counter.rules.reference is not None:
            count, missing = counter.unmapped()
            # The engine counts a reference table's codes only when it labels them: the report's own count then.
            use_engine = engine is not None and counter.rules.code_list is not None
            unmapped = engine.get(f.name, 0) if engine is not None and use_engine else count
            examples = missing[:EXAMPLES] + [e for e in examples if e not in missing]
        bad_dates = None
        if f.name in invalid:
            bad_dates, invalid_texts = invalid[f.name]
            examples = invalid_texts + examples
        kind = "derived" if f.name in derived else entry["kind"] if entry else None
        has_range = counter.rules.low is not None or counter.rules.high is not None
        rows.append(
            {
                "column": f.name,
                "arrow_type": str(f.type),
                "kind": kind,
                "rows": counter.rows,
                "nulls": counter.nulls,
                "unmapped_codes": unmapped,
                "invalid_dates": bad_dates,
                "out_of_range": counter.out_of_range if has_range else None,
                "mixed_codes": counter.mixed_codes if counter.rules.foreign_codes else None,
                "rule": counter.rules.describe() or None,
                "examples": examples[:EXAMPLES],
            }
        )
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    summary: dict[str, Any] = {
        "dataset": source.dataset,
        "year": source.year,
        "files": source.files,
        "rows": max((r["rows"] for r in rows), default=0),
        "columns": len(rows),
        **{p: sum(r[p] or 0 for r in rows) for p in PROBLEMS},
        "columns_with_problems": sum(1 for r in rows if any(r[p] for p in PROBLEMS)),
        "today": today.isoformat(),
        "notes": source.notes,
    }
    return QualityReport(
        dataset=source.dataset,
        table=table,
        summary=summary,
        periods=_periods_table(periods, source.period, rows_seen),
        distributions={name: _top(counts) for name, counts in distributions.items() if counts},
    )


__all__ = ["PROBLEMS", "TOP_VALUES", "CheckProgress", "QualityReport", "check"]
