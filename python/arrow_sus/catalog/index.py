"""Versioned file index: which DATASUS files exist, with sizes and modification times.

The compiled-in catalog knows every dataset, directory and name grammar; a *file index* adds what is on
the server right now. :func:`refresh` loads a newer index from a JSON file, an http(s) URL or an s3 URL,
stores it in the cache directory with its version stamp, and falls back to what it already had (the
cached index, else the compiled-in catalog) when the source fails. The live FTP crawl lives with the
remote-access code, which turns its listing into an index with :func:`index_from_listing`.

Index format (JSON, UTF-8)::

    {
      "format": "arrow-sus/file-index",
      "format_version": 1,
      "generated_at": "2026-04-30T00:00:00Z",   # the version stamp: ISO-8601 UTC, newer wins
      "source": "ftp://ftp.datasus.gov.br",      # where the listing came from
      "catalog_version": "2026-04-30",           # compiled-in catalog of the producer (informative)
      "files": [{"path": "/dissemin/publicos/...", "size": 123, "mtime": "2014-09-06T17:59:00"}, ...]
    }

``size`` and ``mtime`` may be ``null`` when the listing did not give them.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.request
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa

from arrow_sus._native import _core
from arrow_sus.catalog._paths import parse_paths
from arrow_sus.errors import FormatError, NetworkError

FORMAT = "arrow-sus/file-index"
FORMAT_VERSION = 1
INDEX_FILE = "file-index.json"


def cache_dir() -> Path:
    """The arrow-sus cache directory (see :func:`arrow_sus.cache.cache_dir`)."""
    from arrow_sus.cache import cache_dir as shared_cache_dir

    return shared_cache_dir()


@dataclass(frozen=True)
class FileIndex:
    """A file index: its version stamp, where it came from, and one row per file.

    ``files`` columns: path, size, mtime, dataset (null when the catalog does not know the name), uf,
    year, month, part, preliminary. ``builtin`` is true for the compiled-in fallback, which lists no
    files (only the catalog's grammar and periods are known offline).
    """

    version: str
    source: str
    files: pa.Table
    builtin: bool = False

    def __repr__(self) -> str:
        kind = "compiled-in catalog" if self.builtin else f"{self.files.num_rows} files from {self.source}"
        return f"FileIndex(version={self.version!r}, {kind})"


def index_from_listing(
    entries: Iterable[Mapping[str, Any] | tuple[str, int, str]],
    *,
    source: str,
    generated_at: str | None = None,
) -> dict[str, Any]:
    """Builds an index document from a server listing: ``(path, size, mtime)`` tuples or dicts.

    ``mtime`` is ISO-8601 text; ``size`` and ``mtime`` may be ``None`` (not given by the listing);
    ``generated_at`` defaults to now (UTC).
    """
    files = []
    for entry in entries:
        path, size, mtime = (entry["path"], entry["size"], entry["mtime"]) if isinstance(entry, Mapping) else entry
        files.append(
            {
                "path": str(path),
                "size": None if size is None else int(size),
                "mtime": None if mtime is None else str(mtime),
            }
        )
    stamp = generated_at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": stamp,
        "source": source,
        "catalog_version": _core.catalog_version(),
        "files": files,
    }


def validate_index(doc: Any, origin: str) -> dict[str, Any]:
    """Checks an index document; raises :class:`arrow_sus.FormatError` naming what is wrong."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise FormatError(f"{origin}: not an arrow-sus file index (expected format {FORMAT!r})")
    if doc.get("format_version") != FORMAT_VERSION:
        raise FormatError(f"{origin}: unsupported index format_version {doc.get('format_version')!r}")
    stamp = doc.get("generated_at")
    if not isinstance(stamp, str):
        raise FormatError(f"{origin}: generated_at must be an ISO-8601 string")
    try:
        datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FormatError(f"{origin}: generated_at {stamp!r} is not ISO-8601") from exc
    files = doc.get("files")
    if not isinstance(files, list):
        raise FormatError(f"{origin}: files must be a list")
    for i, f in enumerate(files):
        if not (isinstance(f, dict) and isinstance(f.get("path"), str)):
            raise FormatError(f"{origin}: files[{i}] needs a string path")
        if not (f.get("size") is None or isinstance(f["size"], int)):
            raise FormatError(f"{origin}: files[{i}].size must be an integer or null")
    return doc


def _read_source(source: str | os.PathLike[str], timeout: float) -> bytes:
    text = os.fspath(source)
    if text.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(text, timeout=timeout) as response:
                return response.read()
        except OSError as exc:
            raise NetworkError(f"{text}: {exc}") from exc
    if text.startswith("s3://"):
        from pyarrow import fs

        filesystem, key = fs.FileSystem.from_uri(text)
        with filesystem.open_input_stream(key) as stream:
            return stream.read()
    return Path(text).read_bytes()


def load_index(source: str | os.PathLike[str], *, timeout: float = 30.0) -> dict[str, Any]:
    """Reads and validates an index document from a local file, an http(s) URL or an s3 URL."""
    raw = _read_source(source, timeout)
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{os.fspath(source)}: not valid JSON ({exc})") from exc
    return validate_index(doc, os.fspath(source))


def _to_file_index(doc: dict[str, Any]) -> FileIndex:
    files = doc["files"]
    refs = parse_paths([f["path"] for f in files])
    columns: dict[str, list[Any]] = {
        "path": [f["path"] for f in files],
        "size": [f.get("size") for f in files],
        "mtime": [f.get("mtime") for f in files],
    }
    for name in ("dataset", "uf", "year", "month", "part", "preliminary"):
        columns[name] = [getattr(r, name) if r else None for r in refs]
    schema = pa.schema(
        [
            ("path", pa.string()),
            ("size", pa.int64()),
            ("mtime", pa.string()),
            ("dataset", pa.string()),
            ("uf", pa.string()),
            ("year", pa.int32()),
            ("month", pa.int32()),
            ("part", pa.string()),
            ("preliminary", pa.bool_()),
        ]
    )
    return FileIndex(doc["generated_at"], doc["source"], pa.table(columns, schema=schema))


def builtin_index() -> FileIndex:
    """The offline fallback: the compiled-in catalog, with no file list."""
    empty = _to_file_index({"generated_at": _core.catalog_version(), "source": "builtin", "files": []})
    return FileIndex(_core.catalog_version(), "builtin", empty.files, builtin=True)


def save_index(doc: dict[str, Any], directory: Path | None = None) -> Path:
    """Stores an index document in the cache (temp file then rename, so readers never see half)."""
    target_dir = (directory or cache_dir()) / "catalog"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / INDEX_FILE
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".file-index-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    os.replace(tmp, target)
    return target


def current_index(directory: Path | None = None) -> FileIndex:
    """The cached index when there is a valid one, else the compiled-in fallback."""
    path = (directory or cache_dir()) / "catalog" / INDEX_FILE
    try:
        return _to_file_index(load_index(path))
    except (OSError, FormatError):
        return builtin_index()


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def refresh(
    source: str | os.PathLike[str] | None = None,
    *,
    directory: Path | None = None,
    timeout: float = 30.0,
    strict: bool = False,
) -> FileIndex:
    """Loads a newer file index and stores it in the cache; returns the index now in force.

    ``source`` is a JSON index (a ``.json`` file: local path, http(s) or s3 URL; by default
    ``$ARROW_SUS_INDEX_URL``), or a server or mirror to crawl live (``ftp://ftp.datasus.gov.br/dissemin/publicos``,
    ``file:///mirror``, ...: every dataset directory the catalog knows is listed).
    An index older than the cached one is not stored (the newer stays). When the source fails the
    cached index (else the compiled-in catalog) is returned with a warning, or the error is raised when
    ``strict`` is true.
    """
    chosen = source if source is not None else os.environ.get("ARROW_SUS_INDEX_URL")
    try:
        if chosen is None:
            raise NetworkError("no index source given and ARROW_SUS_INDEX_URL is not set")
        if str(chosen).lower().endswith((".json", ".json.gz")):
            doc = load_index(chosen, timeout=timeout)
        else:
            from arrow_sus.remote import crawl

            doc = index_from_listing(crawl(str(chosen)), source=str(chosen))
    except (OSError, FormatError, NetworkError) as exc:
        if strict:
            raise
        warnings.warn(f"catalog refresh failed, keeping the current index: {exc}", stacklevel=2)
        return current_index(directory)
    cached = current_index(directory)
    if not cached.builtin and _stamp(cached.version) > _stamp(doc["generated_at"]):
        warnings.warn(
            f"index from {os.fspath(chosen)} ({doc['generated_at']}) is older than the cached one "
            f"({cached.version}); keeping the cached index",
            stacklevel=2,
        )
        return cached
    save_index(doc, directory)
    return _to_file_index(doc)
