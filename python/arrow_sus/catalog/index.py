"""Versioned file index: which DATASUS files exist, with sizes and modification times.

The compiled-in catalog knows every dataset, directory and name grammar; a *file index* adds what is on
the server right now. :func:`refresh` loads a newer index from a JSON file (``.json``, or gzip-compressed
``.json.gz``): a local path or any URL the engine's sources read (http(s), s3, ftp, file; with their timeouts
and retries), or crawls a server or mirror live (:func:`crawl`); it stores the index in the cache directory
with its version stamp, and falls back to what it already had (the cached index, else the compiled-in catalog)
when the source fails.

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

import gzip
import json
import os
import tempfile
import warnings
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa

from arrow_sus._native import _core
from arrow_sus.catalog._paths import PUBLIC_PREFIX, parse_paths
from arrow_sus.catalog._tables import dataset_info
from arrow_sus.catalog._tables import datasets as all_datasets
from arrow_sus.errors import FormatError, NetworkError, NotFoundError

FORMAT = "arrow-sus/file-index"
FORMAT_VERSION = 1
INDEX_FILE = "file-index.json"
#: The first bytes of a gzip stream.
_GZIP_MAGIC = b"\x1f\x8b"


def _index_directory(directory: Path | None) -> Path:
    """Where the index is stored: ``directory``, else the cache directory (the engine's ``$ARROW_SUS_CACHE``
    rule, as :func:`arrow_sus.cache.cache_dir` gives it), under ``catalog/``."""
    return (directory or Path(_core.io.cache_dir())) / "catalog"


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
    """The bytes of a local file, or of a URL through the engine's source for its scheme (retries included)."""
    text = os.fspath(source)
    if "://" not in text:
        return Path(text).read_bytes()
    root, _, name = text.rpartition("/")
    options = _core.SourceOptions(connect_timeout=timeout, timeout=timeout)
    data: bytes = _core.io.open_source(root, options).read(name)
    return data


def _decompressed(raw: bytes, origin: str) -> bytes:
    """``raw``, un-gzipped when it is a gzip stream (a ``.json.gz`` index)."""
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise FormatError(f"{origin}: not a valid gzip stream ({exc})") from exc


def load_index(source: str | os.PathLike[str], *, timeout: float = 30.0) -> dict[str, Any]:
    """Reads and validates an index document (JSON, or gzip-compressed JSON) from a local file or a URL
    (http(s), s3, ftp, file)."""
    raw = _decompressed(_read_source(source, timeout), os.fspath(source))
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
    target_dir = _index_directory(directory)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / INDEX_FILE
    fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".file-index-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    os.replace(tmp, target)
    return target


def current_index(directory: Path | None = None) -> FileIndex:
    """The cached index when there is a valid one, else the compiled-in fallback."""
    path = _index_directory(directory) / INDEX_FILE
    try:
        return _to_file_index(load_index(path))
    except (OSError, FormatError):
        return builtin_index()


def crawl(source: Any, datasets: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Lists every directory the catalog knows (or those of ``datasets``) on an opened engine
    source (``arrow_sus._core.io.Source``; :func:`arrow_sus.remote.crawl` takes a URL), in parallel on Arrow's IO
    thread pool within the source's connection limit. Returns ``{"path", "size", "mtime"}`` dicts with
    catalog-style absolute paths (``/dissemin/publicos/...``) and ISO-8601 UTC mtimes, the entry format of
    :func:`index_from_listing`."""
    ids = list(datasets) if datasets is not None else list(all_datasets().column("id").to_pylist())
    directories = [
        layout["directory"][len(PUBLIC_PREFIX) :]
        for dataset in ids
        for layout in dataset_info(dataset)["layouts"]
        if layout["directory"].startswith(PUBLIC_PREFIX)
    ]

    unique = list(dict.fromkeys(directories))
    entries: list[dict[str, Any]] = []
    for directory, listing in zip(unique, source.list_many(unique), strict=True):
        if isinstance(listing, NotFoundError):
            continue
        if isinstance(listing, BaseException):
            raise listing
        entries += [
            {
                "path": f"{PUBLIC_PREFIX}{directory}/{e['name']}",
                "size": e["size"],
                "mtime": None if e["mtime"] is None else _iso_utc(e["mtime"]),
            }
            for e in listing
            if not e["is_dir"]
        ]
    return entries


def _iso_utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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

    ``source`` is a JSON index (a ``.json`` or ``.json.gz`` file: local path, http(s), s3, ftp or file URL; by default
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
            doc = index_from_listing(crawl(_core.io.open_source(str(chosen))), source=str(chosen))
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
