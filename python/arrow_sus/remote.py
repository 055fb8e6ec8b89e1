"""Remote DATASUS files: sources named by URL, identities, listings and verified parallel downloads.

A *source* is where the DATASUS tree lives: the official FTP (``ftp://ftp.datasus.gov.br/dissemin/publicos``,
the default), or a mirror: ``file:///path``, ``http(s)://host/path``, ``s3://bucket/prefix``. The environment
variable ``ARROW_SUS_SOURCE`` replaces the default; every function also takes ``source=`` (a URL or a
:class:`Source` from :func:`open_source`, which carries timeouts, retries and the connection limit).

Paths are relative to the source root, e.g. ``"SIHSUS/200801_/Dados/RDAC2401.dbc"``.
"""

from __future__ import annotations

import difflib
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, TypedDict

from arrow_sus._dataset import RemoteFile, dataset_files
from arrow_sus._native import _core
from arrow_sus._options import SOURCE_DEFAULTS, SourceOptions, make_options
from arrow_sus._partitions import IntArg, UfArg, normalize_months, normalize_ufs, normalize_years
from arrow_sus.cache import cache_dir
from arrow_sus.catalog import PUBLIC_PREFIX, FileIndex, dataset_info, index
from arrow_sus.errors import ArrowSusError, NotFoundError
from arrow_sus.reader import open_dbc

_io: Any = _core.io

__all__ = [
    "IDENTITY_PREFIX_BYTES",
    "DownloadSummary",
    "FailedFile",
    "FileIdentity",
    "FileResult",
    "IncompleteDownloadError",
    "RemoteEntry",
    "RemoteFile",
    "Source",
    "cache_dir",
    "crawl",
    "default_source_url",
    "download",
    "download_files",
    "given_timeouts",
    "list_dir",
    "list_files",
    "open_remote_dbc",
    "open_source",
    "refresh_index",
    "stat",
]

#: Bytes the identity check of a ``.dbc`` reads from its start (one ranged request): any DBF header + CRC.
IDENTITY_PREFIX_BYTES: int = _io.IDENTITY_PREFIX_BYTES


def _utc(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=timezone.utc)


@dataclass(frozen=True)
class RemoteEntry:
    """One entry of a directory listing. ``mtime`` is UTC (FTP local times are converted)."""

    name: str
    size: int | None
    mtime: datetime | None
    is_dir: bool


@dataclass(frozen=True)
class FileIdentity:
    """Which published version of a file: path, size and mtime, plus for ``.dbc`` files the record count and
    the CRC-32 of the decompressed data (read from the first bytes with one ranged request)."""

    path: str
    size: int
    mtime: datetime | None
    records: int | None
    crc32: int | None

    @classmethod
    def _from_native(cls, d: dict[str, Any]) -> FileIdentity:
        return cls(d["path"], d["size"], _utc(d["mtime"]), d["records"], d["crc32"])


class Source:
    """An opened source: a URL plus the options used to talk to it. Thread-safe; share one per host."""

    def __init__(self, native: Any, options: SourceOptions) -> None:
        self._native = native
        self.options = options

    @property
    def url(self) -> str:
        """The source URL."""
        return str(self._native.url)

    def __repr__(self) -> str:
        return f"Source({self.url!r})"


def default_source_url() -> str:
    """``$ARROW_SUS_SOURCE`` when set, else the DATASUS FTP."""
    return str(_io.default_source_url())


def open_source(
    url: str | None = None,
    *,
    max_connections: int = SOURCE_DEFAULTS.max_connections,
    connect_timeout: float = SOURCE_DEFAULTS.connect_timeout,
    timeout: float = SOURCE_DEFAULTS.timeout,
    low_speed_bytes_per_second: int = SOURCE_DEFAULTS.low_speed_bytes_per_second,
    max_attempts: int = SOURCE_DEFAULTS.max_attempts,
    initial_backoff: float = SOURCE_DEFAULTS.initial_backoff,
    max_backoff: float = SOURCE_DEFAULTS.max_backoff,
    server_utc_offset_minutes: int = SOURCE_DEFAULTS.server_utc_offset_minutes,
    list_command: Literal["LIST", "MLSD"] = SOURCE_DEFAULTS.list_command,
) -> Source:
    """Opens a source by URL (``None``: :func:`default_source_url`).

    ``max_connections`` caps simultaneous connections to the host (the DATASUS FTP refuses more than a few).
    ``connect_timeout`` (seconds) bounds setting up a connection: TCP connect and, for FTP, the server's greeting
    and the login. ``timeout`` (seconds) bounds every silence after that: a reply that does not come, or a
    transfer slower than ``low_speed_bytes_per_second`` for that long (dropped and retried); it also bounds the
    greeting when shorter. Transient failures are retried up to ``max_attempts`` times with exponential backoff (from
    ``initial_backoff`` to ``max_backoff`` seconds, with jitter), except a server that sends nothing at all before
    a timeout: that :class:`~arrow_sus.NetworkError` comes at once, after one timeout, since every attempt would
    wait as long. ``server_utc_offset_minutes`` converts FTP listing times (DATASUS: Brasília, -180).
    """
    options = make_options(
        SourceOptions,
        max_connections=max_connections,
        connect_timeout=connect_timeout,
        timeout=timeout,
        low_speed_bytes_per_second=low_speed_bytes_per_second,
        max_attempts=max_attempts,
        initial_backoff=initial_backoff,
        max_backoff=max_backoff,
        server_utc_offset_minutes=server_utc_offset_minutes,
        list_command=list_command,
    )
    return Source(_io.open_source(url, options), options)


class Timeouts(TypedDict, total=False):
    """The timeouts of :func:`open_source` a caller gave; those left out keep their defaults."""

    connect_timeout: float
    timeout: float


def given_timeouts(connect_timeout: float | None, timeout: float | None) -> Timeouts:
    """The timeouts that are not ``None``, as keyword arguments of :func:`open_source`."""
    timeouts = Timeouts()
    if connect_timeout is not None:
        timeouts["connect_timeout"] = connect_timeout
    if timeout is not None:
        timeouts["timeout"] = timeout
    return timeouts


def _resolve(source: str | Source | None, max_connections: int = SOURCE_DEFAULTS.max_connections) -> Source:
    if isinstance(source, Source):
        return source
    return open_source(source, max_connections=max_connections)


def stat(path: str, source: str | Source | None = None) -> FileIdentity:
    """The identity of a remote file (size, mtime, and for ``.dbc`` files record count and CRC-32).

    Raises :class:`~arrow_sus.NotFoundError` when the server has no such file."""
    return FileIdentity._from_native(_resolve(source)._native.stat(path))


def list_dir(path: str = "", source: str | Source | None = None) -> list[RemoteEntry]:
    """The entries of a remote directory (``""`` is the source root)."""
    return [
        RemoteEntry(e["name"], None if e["is_dir"] else e["size"], _utc(e["mtime"]), e["is_dir"])
        for e in _resolve(source)._native.list(path)
    ]


@dataclass(frozen=True)
class FileResult:
    """A file that is now present locally, at ``local_path``, in the version ``identity``."""

    identity: FileIdentity
    local_path: Path
    bytes_fetched: int
    resumed_from: int


@dataclass(frozen=True)
class FailedFile:
    """A file that could not be brought up to date, and why."""

    path: str
    error: ArrowSusError

    def describe(self) -> str:
        """The reason, naming the path once."""
        text = str(self.error)
        return text if text.startswith(self.path) else f"{self.path}: {text}"


@dataclass
class DownloadSummary:
    """What :func:`download` did: files fetched, files already up to date, and failures with reasons."""

    downloaded: list[FileResult] = field(default_factory=list)
    up_to_date: list[FileResult] = field(default_factory=list)
    failed: list[FailedFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every requested file is present and verified."""
        return not self.failed

    @property
    def bytes_fetched(self) -> int:
        """Bytes transferred by this run."""
        return sum(r.bytes_fetched for r in self.downloaded)

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values (what ``arrow-sus download --json`` prints)."""

        def done(r: FileResult) -> dict[str, Any]:
            return {
                "path": r.identity.path,
                "local_path": str(r.local_path),
                "size": r.identity.size,
                "bytes_fetched": r.bytes_fetched,
                "resumed_from": r.resumed_from,
            }

        return {
            "ok": self.ok,
            "bytes_fetched": self.bytes_fetched,
            "downloaded": [done(r) for r in self.downloaded],
            "up_to_date": [done(r) for r in self.up_to_date],
            "failed": [{"path": f.path, "error": type(f.error).__name__, "message": f.describe()} for f in self.failed],
        }

    def __str__(self) -> str:
        lines = [
            f"downloaded: {len(self.downloaded)} ({self.bytes_fetched:,} bytes)",
            f"up to date: {len(self.up_to_date)}",
            f"failed: {len(self.failed)}",
        ]
        lines += [f"  {f.describe()}" for f in self.failed]
        return "\n".join(lines)


class IncompleteDownloadError(ArrowSusError):
    """Some requested files could not be downloaded; ``summary`` says which and why (and what did work)."""

    def __init__(self, summary: DownloadSummary) -> None:
        super().__init__(
            f"{len(summary.failed)} of "
            f"{len(summary.failed) + len(summary.downloaded) + len(summary.up_to_date)} files failed:\n"
            + "\n".join(f"  {f.describe()}" for f in summary.failed)
        )
        self.summary = summary


class DownloadProgress:
    """A rich progress bar over bytes and files (or nothing when disabled); callable from worker threads."""

    def __init__(self, enabled: bool, files: int) -> None:
        self._lock = threading.Lock()
        self._bar: Any = None
        self.enabled = enabled
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._bytes = self._bar.add_task(f"0/{files} files", total=0)
        self._files = files
        self._done = 0
        self._bar.start()

    def started(self, identity: dict[str, Any], resumed_from: int) -> None:
        if self._bar is None:
            return
        with self._lock:
            task = self._bar.tasks[0]
            self._bar.update(self._bytes, total=(task.total or 0) + identity["size"], advance=resumed_from)

    def advance(self, nbytes: int) -> None:
        if self._bar is not None:
            self._bar.update(self._bytes, advance=nbytes)

    def file_done(self, path: str) -> None:
        if self._bar is None:
            return
        with self._lock:
            self._done += 1
            self._bar.update(self._bytes, description=f"{self._done}/{self._files} files")

    def show(self, expected_bytes: int, done_bytes: int, files_done: int) -> None:
        """Sets the bar to totals counted elsewhere (the engine's counters, polled by an event loop)."""
        if self._bar is not None:
            description = f"{files_done}/{self._files} files"
            self._bar.update(self._bytes, total=expected_bytes, completed=done_bytes, description=description)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def download_files(
    files: Iterable[str],
    dest: str | Path | None = None,
    *,
    source: str | Source | None = None,
    progress: bool = True,
    errors: Literal["raise", "collect"] = "raise",
    max_connections: int = SOURCE_DEFAULTS.max_connections,
) -> DownloadSummary:
    """Downloads remote files (paths relative to the source root) into ``dest``, in the server's layout.

    ``dest`` defaults to the cache (:func:`cache_dir` ``/ "raw"``). A file whose local copy already has the
    server's identity is not fetched again; a partial download of the same version is resumed; every file is
    verified (size, record count and CRC fields) before it appears under its name. Files are fetched in
    parallel, at most ``max_connections`` at a time (the per-host limit of the source).

    Returns a :class:`DownloadSummary`, also printed to stderr when ``progress`` is on. When any file failed,
    raises :class:`IncompleteDownloadError` (carrying the summary) unless ``errors="collect"``.
    """
    request = DownloadRequest.make(files, dest, source, errors, max_connections)
    bar = DownloadProgress(progress and bool(request.paths), len(request.paths))
    try:
        # Every file at once on Arrow's IO pool: the source's connection limit is the only cap.
        outcomes = request.source._native.download_many(
            request.paths,
            str(request.root),
            on_start=bar.started if bar.enabled else None,
            on_bytes=bar.advance if bar.enabled else None,
            on_done=bar.file_done if bar.enabled else None,
        )
    finally:
        bar.close()
    return request.summarize(outcomes, progress)


@dataclass(frozen=True)
class DownloadRequest:
    """What :func:`download_files` (and ``arrow_sus.aio.download_files``) fetch, where, and how errors are
    reported."""

    paths: list[str]  # server paths, relative to the source root, without duplicates
    root: Path
    source: Source
    errors: Literal["raise", "collect"]

    @classmethod
    def make(
        cls,
        files: Iterable[str],
        dest: str | Path | None,
        source: str | Source | None,
        errors: Literal["raise", "collect"],
        max_connections: int,
    ) -> DownloadRequest:
        if errors not in ("raise", "collect"):
            raise ValueError(f"errors must be 'raise' or 'collect', not {errors!r}")
        paths = [path[len(PUBLIC_PREFIX) :] if path.startswith(PUBLIC_PREFIX) else path for path in files]
        root = Path(dest) if dest is not None else cache_dir() / "raw"
        src = _resolve(source, max_connections=max_connections)
        return cls(list(dict.fromkeys(paths)), root, src, errors)

    def summarize(self, outcomes: list[Any], progress: bool) -> DownloadSummary:
        """The summary of the engine's outcomes (a result dict or an error object per path), printed to stderr
        with ``progress``; raises :class:`IncompleteDownloadError` when a file failed and errors are raised."""
        summary = DownloadSummary()
        for path, outcome in zip(self.paths, outcomes, strict=True):
            if isinstance(outcome, NotFoundError):
                summary.failed.append(FailedFile(path, _with_candidates(outcome, path, self.source)))
            elif isinstance(outcome, ArrowSusError):
                summary.failed.append(FailedFile(path, outcome))
            else:
                result = FileResult(
                    FileIdentity._from_native(outcome),
                    Path(outcome["local_path"]),
                    outcome["bytes_fetched"],
                    outcome["resumed_from"],
                )
                (summary.up_to_date if outcome["up_to_date"] else summary.downloaded).append(result)
        if progress:
            print(summary, file=sys.stderr)
        if summary.failed and self.errors == "raise":
            raise IncompleteDownloadError(summary)
        return summary


def download(
    dataset: str | None = None,
    *,
    uf: UfArg = None,
    year: IntArg = None,
    month: IntArg = None,
    files: Iterable[str] | None = None,
    dest: str | Path | None = None,
    source: str | Source | None = None,
    progress: bool = True,
    errors: Literal["raise", "collect"] = "raise",
    max_connections: int = SOURCE_DEFAULTS.max_connections,
) -> DownloadSummary:
    """Downloads a dataset's files (selected through the catalog by ``uf``/``year``/``month``) or explicit
    ``files``; see :func:`download_files` for ``dest``, verification, parallelism, progress and errors."""
    if files is None:
        files, source = dataset_paths(dataset, uf, year, month, source, max_connections)
    elif dataset is not None:
        raise ValueError("give either a dataset (with uf/year/month) or files=[...]")
    return download_files(files, dest, source=source, progress=progress, errors=errors, max_connections=max_connections)


def dataset_paths(
    dataset: str | None, uf: UfArg, year: IntArg, month: IntArg, source: str | Source | None, max_connections: int
) -> tuple[list[str], Source]:
    """The files :func:`download` fetches for a dataset: those a scan of the same arguments reads (every period
    when no year is given), and the source they were listed on."""
    if dataset is None:
        raise ValueError("give either a dataset (with uf/year/month) or files=[...]")
    src = _resolve(source, max_connections=max_connections)
    found = dataset_files(
        src._native,
        dataset_info(dataset)["id"],
        normalize_ufs(uf),
        normalize_years(year),
        normalize_months(month),
        require_year=False,
    )
    return [f.path for f in found], src


def _with_candidates(err: NotFoundError, path: str, source: Source) -> NotFoundError:
    """The error, plus the nearest names in the same server directory (a typo or a renamed file)."""
    directory, _, name = path.rpartition("/")
    try:
        names = [e.name for e in list_dir(directory, source) if not e.is_dir]
    except ArrowSusError:
        return err
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.6)
    if not close:
        return err
    richer = NotFoundError(f"{err}; nearest on the server: {', '.join(close)}")
    richer.path = err.path
    return richer


def list_files(
    dataset: str,
    *,
    uf: UfArg = None,
    year: IntArg = None,
    month: IntArg = None,
    source: str | Source | None = None,
) -> list[RemoteFile]:
    """The dataset's files on the server now (a live listing of the catalog's directories for it), with
    sizes and mtimes, filtered by state, year and month (each a value, a list, a ``range`` or text like
    ``"SP,RJ"`` / ``"2019-2023"`` / ``"1-6"``, as for :func:`arrow_sus.scan`).

    Names the catalog does not recognise as this dataset are left out; the result is sorted by path."""
    dataset = dataset_info(dataset)["id"]  # any case is accepted; unknown ids raise with the closest ones
    ufs, years, months = normalize_ufs(uf), normalize_years(year), normalize_months(month)
    return dataset_files(_resolve(source)._native, dataset, ufs, years, months, select=False)


def crawl(source: str | Source | None = None, datasets: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Lists every directory the catalog knows (or those of ``datasets``) on the source, in parallel within
    the host limit (see :func:`arrow_sus.catalog.index.crawl`): ``{"path", "size", "mtime"}`` dicts with
    catalog-style absolute paths (``/dissemin/publicos/...``) and ISO-8601 UTC mtimes."""
    return index.crawl(_resolve(source)._native, datasets)


def refresh_index(source: str | Source | None = None, datasets: Iterable[str] | None = None) -> FileIndex:
    """Crawls the source (:func:`crawl`) and stores the result as the catalog's file index (see
    :mod:`arrow_sus.catalog.index`); returns the :class:`~arrow_sus.catalog.FileIndex` now in force."""
    src = _resolve(source)
    doc = index.index_from_listing(crawl(src, datasets), source=src.url)
    index.save_index(doc)
    return index.current_index()


def open_remote_dbc(
    path: str,
    *,
    source: str | Source | None = None,
    dest: str | Path | None = None,
    **read_options: Any,
) -> Any:
    """Opens a remote ``.dbc`` as a :class:`pyarrow.RecordBatchReader` that decodes while the file downloads.

    The bytes go to ``dest`` (default: the cache) and are committed there once verified; a current cached
    copy is read without downloading. ``read_options`` are those of :func:`arrow_sus.open_dbc` (columns,
    filters, batch_size, ...)."""
    if path.startswith(PUBLIC_PREFIX):
        path = path[len(PUBLIC_PREFIX) :]
    root = Path(dest) if dest is not None else cache_dir() / "raw"
    handle = _resolve(source)._native.open(path, str(root))
    return open_dbc(handle, **read_options)
