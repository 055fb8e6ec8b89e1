"""Code lists from DATASUS's official TabWin files, beside the compiled-in dictionary.

DATASUS publishes, next to each system's data, ``TAB_*.zip`` archives with the files of its TabWin tabulator:
``.DEF`` definitions (which DBF field each variable reads, and which ``.CNV`` conversion names its codes) and
the ``.CNV`` code lists themselves (format: ``docs/labels.md``, "TabWin files"). :func:`refresh` fetches a
dataset's archives through the normal sources and the raw cache (downloads are verified like data files),
rebuilds each field's code list from them, compares it code by code with the compiled-in list of the same
dataset and period, and stores it in the cache; :func:`refreshed` reads a stored list back. Nothing is merged
into the compiled-in lists: disagreements are reported.

Lists are scoped by system and period, never by file name alone (thirteen systems ship a ``SEXO.CNV``: SIH
codes sex 1/3, SINASC 1/2, SINAN M/F): a DEF applies to the datasets whose file names match its data-file
pattern, and an archive to the period its name or folder gives (``TAB_SIH_199201-199712.zip``: 1992-1997).

>>> import arrow_sus
>>> report = arrow_sus.labels.refresh(datasets=["sih-rd"])            # doctest: +SKIP
>>> report.table.filter(pc.field("status") == "different label")       # doctest: +SKIP
>>> arrow_sus.labels.refreshed("sih-rd", "SEXO").codes                  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from arrow_sus import remote
from arrow_sus._native import _core
from arrow_sus._options import SOURCE_DEFAULTS
from arrow_sus.cache import cache_dir
from arrow_sus.catalog import PUBLIC_PREFIX, dataset_info
from arrow_sus.catalog import datasets as catalog_datasets
from arrow_sus.errors import ArrowSusError, InvalidArgumentError

__all__ = [
    "STATUSES",
    "ArchiveOutcome",
    "RefreshReport",
    "RefreshedCode",
    "RefreshedCodeList",
    "labels_dir",
    "refresh",
    "refreshed",
]

#: What a comparison row says about a code, in the order the summary shows them.
STATUSES: tuple[str, ...] = ("same", "different label", "only in TabWin", "only compiled-in")

#: The stored lists' document format (``<cache>/labels/<archive path>.json``).
FORMAT = "arrow-sus/tabwin-labels"
FORMAT_VERSION = 1

_REPORT_SCHEMA = pa.schema(
    [
        ("dataset", pa.string()),
        ("field", pa.string()),
        ("code", pa.string()),
        ("compiled_label", pa.string()),
        ("tabwin_label", pa.string()),
        ("status", pa.string()),
        ("compiled_list", pa.string()),
        ("archive", pa.string()),
        ("member", pa.string()),
        ("line", pa.int64()),
    ]
)


@dataclass(frozen=True)
class RefreshedCode:
    """One entry of a TabWin list: a code, a range of codes (``code`` to ``last``, same width, compared as text)
    or a wildcard (``?`` any one character, a final ``*`` any ending), its label, and where it is written."""

    code: str
    last: str
    kind: Literal["code", "range", "wildcard"]
    label: str
    category: int
    line: int


@dataclass(frozen=True)
class RefreshedCodeList:
    """A field's code list as a TabWin archive gives it, with its source: the archive (server path), the CNV
    member, and the DEF member and line that bind it to the field. ``period_first``/``period_last`` are the
    period keys (``YYYYMM``) the archive serves (``None``: unbounded). When codes overlap, the entry written
    later decides (TabWin's rule); ``issues`` lists every overlap and inconsistency of the file."""

    dataset: str
    field: str
    archive: str
    member: str
    definition: str
    definition_line: int
    position: int
    code_width: int
    period_first: int | None
    period_last: int | None
    codes: list[RefreshedCode]
    issues: list[str]


@dataclass(frozen=True)
class ArchiveOutcome:
    """What happened to one archive: ``ok`` (read; its lists stored at ``stored``), ``skipped`` (not a ZIP
    archive) or ``error`` (with ``message``). ``unmatched_definitions`` are DEFs that describe none of the
    datasets asked for; ``problems`` are members that could not be used (a CNV the DEF names but the archive
    lacks, and with ``errors="collect"`` unreadable members)."""

    path: str
    status: Literal["ok", "skipped", "error"]
    datasets: list[str]
    message: str | None = None
    definitions: list[str] = field(default_factory=list)
    unmatched_definitions: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stored: Path | None = None


@dataclass
class RefreshReport:
    """The comparison of every refreshed list with the compiled-in one (``table``: one row per code, columns
    dataset, field, code, compiled_label, tabwin_label, status, compiled_list, archive, member, line) and
    what happened to each archive."""

    table: pa.Table
    archives: list[ArchiveOutcome]

    @property
    def ok(self) -> bool:
        """True when no archive failed."""
        return all(a.status != "error" for a in self.archives)

    def summary(self) -> pa.Table:
        """Rows per dataset, field and archive with the number of codes in each status of :data:`STATUSES`."""
        counts: dict[tuple[str, str, str, str], Counter[str]] = {}
        for row in self.table.select(["dataset", "field", "archive", "member", "status"]).to_pylist():
            key = (row["dataset"], row["field"], row["archive"], row["member"])
            counts.setdefault(key, Counter())[row["status"]] += 1
        columns: dict[str, list[Any]] = {"dataset": [], "field": [], "archive": [], "member": []}
        columns.update({status: [] for status in STATUSES})
        for (dataset, name, archive, member), counter in sorted(counts.items()):
            for column, value in zip(
                ("dataset", "field", "archive", "member"), (dataset, name, archive, member), strict=True
            ):
                columns[column].append(value)
            for status in STATUSES:
                columns[status].append(counter[status])
        return pa.table(columns)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (what ``arrow-sus labels refresh --json`` prints)."""
        return {
            "ok": self.ok,
            "archives": [{**asdict(a), "stored": str(a.stored) if a.stored else None} for a in self.archives],
            "summary": self.summary().to_pylist(),
            "rows": self.table.to_pylist(),
        }


def labels_dir() -> Path:
    """Where refreshed lists are stored: ``<cache>/labels`` (see :func:`arrow_sus.cache.cache_dir`)."""
    return cache_dir() / "labels"


def _relative(path: str) -> str:
    return path[len(PUBLIC_PREFIX) :] if path.startswith(PUBLIC_PREFIX) else path.lstrip("/")


def _stored_path(archive: str) -> Path:
    """``<cache>/labels/SIHSUS/200801_/Auxiliar/TAB_SIH.json`` for that archive: unique per server path."""
    return labels_dir() / Path(_relative(archive)).with_suffix(".json")


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    """Writes under a temporary name in the same folder, then renames: readers never see half a file, and
    concurrent refreshes each replace the whole document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _archives_of(ids: Iterable[str]) -> dict[str, list[str]]:
    """Archive server path -> the datasets (in the order asked) it serves."""
    archives: dict[str, list[str]] = {}
    for dataset in ids:
        for path in dataset_info(dataset)["auxiliary"]:
            archives.setdefault(path, []).append(dataset)
    return archives


def _default_datasets() -> list[str]:
    """The data datasets with archives (an aux-* dataset's archives are where its table is, not its labels)."""
    table = catalog_datasets()
    rows = table.select(["id", "kind", "auxiliary"]).to_pylist()
    return [row["id"] for row in rows if row["auxiliary"] and row["kind"] == "data"]


@contextmanager
def _archive_progress(enabled: bool, total: int) -> Iterator[Any]:
    """A rich progress bar over the archives being read (a no-op callable when disabled)."""
    if not enabled or not total:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("[bold]reading TAB archives"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True)
    ) as bar:
        task = bar.add_task("", total=total)
        yield lambda: bar.advance(task)


def _stored_document(
    archive: str, source: str, identity: remote.FileIdentity | None, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "archive": archive,
        "source": source,
        "size": identity.size if identity else None,
        "mtime": identity.mtime.isoformat() if identity and identity.mtime else None,
        "refreshed_at": datetime.now(timezone.utc).isoformat(),
        "definitions": data["definitions"],
        "unmatched_definitions": data["unmatched_definitions"],
        "problems": data["problems"],
        "conversions": data["conversions"],
        "datasets": {
            ds["dataset"]: {
                "period_first": ds["period_first"],
                "period_last": ds["period_last"],
                "definitions": ds["definitions"],
                "fields": {f["field"]: f["conversions"] for f in ds["fields"]},
            }
            for ds in data["datasets"]
        },
    }


def _report_rows(archive: str, data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for ds in data["datasets"]:
        for fld in ds["fields"]:
            compiled = fld["compiled"] or {}
            member = fld["conversions"][0]["member"]
            for row in fld["comparison"]:
                yield {
                    "dataset": ds["dataset"],
                    "field": fld["field"],
                    **row,
                    "compiled_list": compiled.get("code_list"),
                    "archive": archive,
                    "member": member,
                }


def refresh(
    source: str | remote.Source | None = None,
    datasets: Iterable[str] | str | None = None,
    *,
    progress: bool = True,
    errors: Literal["raise", "collect"] = "raise",
    max_connections: int = SOURCE_DEFAULTS.max_connections,
) -> RefreshReport:
    """Fetches the datasets' TabWin archives, rebuilds their code lists, stores them and compares them with
    the compiled-in lists.

    ``datasets`` are catalog ids (default: every dataset with auxiliary archives); their archives are the
    catalog's ``auxiliary`` server paths, fetched from ``source`` (see :func:`arrow_sus.remote.open_source`)
    into the raw cache, or reused when the cached copy is the server's version. Archives that are not ZIP
    files (a ``.rar``) are skipped and reported. Each archive's lists are stored in
    ``<cache>/labels/<archive path>.json`` with their source (archive, DEF and CNV members and lines), where
    :func:`refreshed` finds them.

    Returns a :class:`RefreshReport`. With ``errors="raise"`` (the default) a failed download raises
    :class:`~arrow_sus.remote.IncompleteDownloadError` and a malformed DEF or CNV line a
    :class:`~arrow_sus.FormatError` naming the archive, member and line; with ``errors="collect"`` those
    archives and members are reported and the rest is still refreshed.
    """
    if errors not in ("raise", "collect"):
        raise InvalidArgumentError(f"errors must be 'raise' or 'collect', not {errors!r}")
    ids = [datasets] if isinstance(datasets, str) else list(datasets) if datasets is not None else None
    ids = list(dict.fromkeys(ids)) if ids is not None else _default_datasets()
    archives = _archives_of(ids)
    src = source if isinstance(source, remote.Source) else remote.open_source(source, max_connections=max_connections)
    outcomes: dict[str, ArchiveOutcome] = {}
    zips = [path for path in archives if path.lower().endswith(".zip")]
    for path in archives:
        if path not in zips:
            outcomes[path] = ArchiveOutcome(
                path, "skipped", archives[path], f"not a ZIP archive ({Path(path).suffix}): not read"
            )
    summary = remote.download_files(
        [_relative(p) for p in zips], source=src, progress=progress, errors="collect", max_connections=max_connections
    )
    if summary.failed and errors == "raise":
        raise remote.IncompleteDownloadError(summary)
    fetched = {r.identity.path: r for r in summary.downloaded + summary.up_to_date}
    failures = {f.path: f for f in summary.failed}
    rows: list[dict[str, Any]] = []
    with _archive_progress(progress, len(zips)) as advance:
        for path in zips:
            result, failure = fetched.get(_relative(path)), failures.get(_relative(path))
            if result is None:
                message = failure.describe() if failure else "not downloaded"
                outcomes[path] = ArchiveOutcome(path, "error", archives[path], message)
                advance()
                continue
            try:
                data = _core.tabwin.read_archive_labels(
                    str(result.local_path), path, archives[path], collect_errors=errors == "collect"
                )
            except ArrowSusError as err:
                if errors == "raise":
                    raise
                outcomes[path] = ArchiveOutcome(path, "error", archives[path], str(err))
                advance()
                continue
            stored = _stored_path(path)
            _write_json(stored, _stored_document(path, src.url, result.identity, data))
            rows.extend(_report_rows(path, data))
            outcomes[path] = ArchiveOutcome(
                path,
                "ok",
                archives[path],
                definitions=data["definitions"],
                unmatched_definitions=data["unmatched_definitions"],
                problems=[p["message"] for p in data["problems"]],
                stored=stored,
            )
            advance()
    table = pa.Table.from_pylist(rows, schema=_REPORT_SCHEMA)
    return RefreshReport(table, [outcomes[path] for path in archives])


def _covers(doc: dict[str, Any], year: int) -> bool:
    first, last = doc["period_first"], doc["period_last"]
    return (first is None or first <= year * 100 + 12) and (last is None or last >= year * 100)


def _load(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if doc.get("format") == FORMAT and doc.get("format_version") == FORMAT_VERSION else None


def refreshed(dataset: str, field: str, *, year: int | None = None) -> RefreshedCodeList | None:
    """The code list the last :func:`refresh` stored for ``dataset``'s ``field`` (case-insensitive), or
    ``None`` when none is stored.

    Among the dataset's archives, the one whose period covers ``year`` is used; without a year, the one
    serving the latest period. The list is the field's own (a CNV as wide as the field, converting it from
    its first character, named like it) before the groupings a DEF also offers for it.
    """
    candidates: list[tuple[int, str, dict[str, Any]]] = []
    for path in dataset_info(dataset)["auxiliary"]:
        doc = _load(_stored_path(path))
        if doc is None:
            continue
        scoped = doc["datasets"].get(dataset)
        if not scoped or field.upper() not in scoped["fields"]:
            continue
        if year is not None and not _covers(scoped, year):
            continue
        candidates.append((scoped["period_last"] or sys.maxsize, path, doc))
    if not candidates:
        return None
    _, path, doc = max(candidates, key=lambda c: c[0])
    scoped = doc["datasets"][dataset]
    conversion = scoped["fields"][field.upper()][0]
    cnv = doc["conversions"][conversion["member"]]
    categories = cnv["categories"]
    return RefreshedCodeList(
        dataset=dataset,
        field=field.upper(),
        archive=path,
        member=conversion["member"],
        definition=conversion["definition"],
        definition_line=conversion["line"],
        position=conversion["position"],
        code_width=cnv["code_width"],
        period_first=scoped["period_first"],
        period_last=scoped["period_last"],
        codes=[
            RefreshedCode(
                e["first"],
                e["last"],
                e["kind"],
                categories[e["category"]]["label"],
                categories[e["category"]]["number"],
                e["line"],
            )
            for e in cnv["entries"]
        ],
        issues=[f"line {i['line']}: {i['message']}" for i in cnv["issues"]],
    )
