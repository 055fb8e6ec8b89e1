"""Remote DATASUS files: sources named by URL, identities, listings and verified parallel downloads.

A *source* is where the DATASUS tree lives: the official FTP (``ftp://ftp.datasus.gov.br/dissemin/publicos``,
the default), or a mirror: ``file:///path``, ``http(s)://host/path``, ``s3://bucket/prefix``. The environment
variable ``ARROW_SUS_SOURCE`` replaces the default; every function also takes ``source=`` (a URL or a
:class:`Source` from :func:`open_source`, which carries timeouts, retries and the connection limit).

Paths are relative to the source root, e.g. ``"SIHSUS/200801_/Dados/RDAC2401.dbc"``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from arrow_sus._native import _core
from arrow_sus.errors import ArrowSusError

_io: Any = _core.io

__all__ = [
    "DownloadSummary",
    "FailedFile",
    "FileIdentity",
    "FileResult",
    "IncompleteDownloadError",
    "RemoteEntry",
    "Source",
    "cache_dir",
    "default_source_url",
    "download",
    "download_files",
    "list_dir",
    "open_source",
    "stat",
]


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

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def url(self) -> str:
        """The source URL."""
        return str(self._native.url)

    def __repr__(self) -> str:
        return f"Source({self.url!r})"


def default_source_url() -> str:
    """``$ARROW_SUS_SOURCE`` when set, else the DATASUS FTP."""
    return str(_io.default_source_url())


def cache_dir() -> Path:
    """The cache directory: ``$ARROW_SUS_CACHE``, else ``$XDG_CACHE_HOME/arrow-sus``, else
    ``~/.cache/arrow-sus``. Downloaded files live under ``raw/`` in the server's layout."""
    return Path(_io.cache_dir())


def open_source(
    url: str | None = None,
    *,
    max_connections: int = 3,
    connect_timeout: float = 15.0,
    low_speed_time: float = 30.0,
    low_speed_bytes_per_second: int = 1024,
    max_attempts: int = 6,
    initial_backoff: float = 0.5,
    max_backoff: float = 30.0,
    server_utc_offset_minutes: int = -180,
    list_command: Literal["LIST", "MLSD"] = "LIST",
) -> Source:
    """Opens a source by URL (``None``: :func:`default_source_url`).

    ``max_connections`` caps simultaneous connections to the host (the DATASUS FTP refuses more than a few).
    A transfer slower than ``low_speed_bytes_per_second`` for ``low_speed_time`` seconds is dropped and
    retried; transient failures are retried up to ``max_attempts`` times with exponential backoff (from
    ``initial_backoff`` to ``max_backoff`` seconds, with jitter). ``server_utc_offset_minutes`` converts FTP
    listing times (DATASUS: Brasília, -180).
    """
    return Source(
        _io.open_source(
            url,
            max_connections=max_connections,
            connect_timeout=connect_timeout,
            low_speed_time=low_speed_time,
            low_speed_bytes_per_second=low_speed_bytes_per_second,
            max_attempts=max_attempts,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
            server_utc_offset_minutes=server_utc_offset_minutes,
            list_command=list_command,
        )
    )


def _resolve(source: str | Source | None, max_connections: int = 3) -> Source:
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


class _Progress:
    """A rich progress bar over bytes and files (or nothing when disabled); callable from worker threads."""

    def __init__(self, enabled: bool, files: int) -> None:
        self._lock = threading.Lock()
        self._bar: Any = None
        self.enabled = enabled
        if not enabled:
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
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
            TextColumn("files"),
            MofNCompleteColumn(),
            transient=False,
        )
        self._bytes = self._bar.add_task("download", total=0)
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

    def file_done(self) -> None:
        if self._bar is None:
            return
        with self._lock:
            self._done += 1
            self._bar.update(self._bytes, description=f"download {self._done}/{self._files} files")

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
    max_connections: int = 3,
) -> DownloadSummary:
    """Downloads remote files (paths relative to the source root) into ``dest``, in the server's layout.

    ``dest`` defaults to the cache (:func:`cache_dir` ``/ "raw"``). A file whose local copy already has the
    server's identity is not fetched again; a partial download of the same version is resumed; every file is
    verified (size, record count and CRC fields) before it appears under its name. Files are fetched in
    parallel, at most ``max_connections`` at a time (the per-host limit of the source).

    Returns a :class:`DownloadSummary`, also printed to stderr when ``progress`` is on. When any file failed,
    raises :class:`IncompleteDownloadError` (carrying the summary) unless ``errors="collect"``.
    """
    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', not {errors!r}")
    paths = list(dict.fromkeys(files))
    root = Path(dest) if dest is not None else cache_dir() / "raw"
    src = _resolve(source, max_connections=max_connections)
    summary = DownloadSummary()
    bar = _Progress(progress and bool(paths), len(paths))
    lock = threading.Lock()

    def fetch(path: str) -> None:
        try:
            d = src._native.download(
                path,
                str(root),
                on_start=bar.started if bar.enabled else None,
                on_bytes=bar.advance if bar.enabled else None,
            )
        except ArrowSusError as err:
            with lock:
                summary.failed.append(FailedFile(path, err))
        else:
            result = FileResult(
                FileIdentity._from_native(d), Path(d["local_path"]), d["bytes_fetched"], d["resumed_from"]
            )
            with lock:
                (summary.up_to_date if d["up_to_date"] else summary.downloaded).append(result)
        finally:
            bar.file_done()

    try:
        with ThreadPoolExecutor(max_workers=max(1, max_connections)) as pool:
            list(pool.map(fetch, paths))
    finally:
        bar.close()
    if progress:
        print(summary, file=sys.stderr)
    if summary.failed and errors == "raise":
        raise IncompleteDownloadError(summary)
    return summary


def download(
    dataset: str | None = None,
    *,
    uf: str | Sequence[str] | None = None,
    year: int | Sequence[int] | None = None,
    month: int | Sequence[int] | None = None,
    files: Iterable[str] | None = None,
    dest: str | Path | None = None,
    source: str | Source | None = None,
    progress: bool = True,
    errors: Literal["raise", "collect"] = "raise",
    max_connections: int = 3,
) -> DownloadSummary:
    """Downloads a dataset's files (selected through the catalog by ``uf``/``year``/``month``) or explicit
    ``files``; see :func:`download_files` for ``dest``, verification, parallelism, progress and errors."""
    if (dataset is None) == (files is None):
        raise ValueError("give either a dataset (with uf/year/month) or files=[...]")
    if files is None:
        from arrow_sus.listing import list_files

        files = [f.path for f in list_files(dataset, uf=uf, year=year, month=month, source=source)]
    return download_files(
        files, dest, source=source, progress=progress, errors=errors, max_connections=max_connections
    )
