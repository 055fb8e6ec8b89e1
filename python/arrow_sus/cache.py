"""The disk cache: downloaded ``.dbc`` files (``raw/``) and their conversions (``converted/``: Arrow IPC files by
default, Parquet with ``scan(..., cache_format="parquet")``).

Raw files are kept under the server's own paths with their identity (size, modification time, record count,
CRC-32); converted entries are recorded in ``manifest.sqlite`` with the identity of the file they came from, the
converter options and format, and checksums of the file verified as it is read. Either is used only while the
identity matches the server's, so a file DATASUS republishes is fetched and converted again. The cache lives in
``$ARROW_SUS_CACHE``, else ``$XDG_CACHE_HOME/arrow-sus``, else ``~/.cache/arrow-sus``.

Any number of processes and threads may use one cache at once: each entry has one writer at a time. Temporary
files left by a writer that was killed (partial downloads, unfinished conversions) are counted by :func:`info`
(``temporary_files``) and removed by :func:`clear` (or ``clear(kind="temporary")``); a partial download is
otherwise resumed by the next download of the same version.

>>> import arrow_sus
>>> arrow_sus.cache.info()          # doctest: +SKIP
CacheInfo(directory='/home/me/.cache/arrow-sus', entries=12, bytes='1.2 GB', hit_rate=0.83)
>>> arrow_sus.cache.clear(older_than="30d")   # doctest: +SKIP
4
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import pyarrow as pa

from arrow_sus._format import human_bytes
from arrow_sus._native import _core
from arrow_sus._options import SCAN_DEFAULTS
from arrow_sus.catalog import parse_paths
from arrow_sus.errors import InvalidArgumentError

#: How conversions are cached (see :func:`arrow_sus.scan`'s ``cache_format``).
CacheFormat = Literal["ipc", "parquet", "ipc-uncompressed"]
#: Every cache format, in the order of :data:`CacheFormat`.
CACHE_FORMATS: tuple[str, ...] = get_args(CacheFormat)
#: The format used when neither ``cache_format`` nor ``$ARROW_SUS_CACHE_FORMAT`` names one: the fastest
#: re-read (docs/scan.md, "Cache formats").
DEFAULT_CACHE_FORMAT: CacheFormat = SCAN_DEFAULTS.cache_format

#: ``"raw"``: downloaded files; ``"converted"``: conversions in any format; a :data:`CacheFormat`:
#: conversions in that format only; ``"temporary"``: files left by writers that are gone.
EntryKind = Literal["raw", "converted", "temporary"] | CacheFormat

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def cache_dir() -> Path:
    """The cache directory in use: ``$ARROW_SUS_CACHE``, else ``$XDG_CACHE_HOME/arrow-sus``, else
    ``~/.cache/arrow-sus``."""
    return Path(_core.io.cache_dir())


def _root(directory: str | os.PathLike[str] | None) -> Path:
    return Path(directory) if directory is not None else cache_dir()


def _manifest(root: Path) -> _core.cache.ConvertedCache:
    return _core.cache.ConvertedCache.open(str(root))


def _raw_files(root: Path) -> list[dict[str, Any]]:
    """The downloaded files under ``root/raw`` (server path, bytes, mtime), as the engine's raw cache lists
    them."""
    entries: list[dict[str, Any]] = _core.cache.raw_entries(str(root / "raw"))
    return entries


def _datasets(paths: list[str]) -> list[str | None]:
    """The dataset each server path belongs to, by the catalog (``None`` for names it does not know)."""
    return [ref.dataset if ref else None for ref in parse_paths(paths)]


def _temporaries(root: Path) -> list[dict[str, Any]]:
    """Temporary files (path, bytes, mtime) whose writer is gone: partial downloads and unfinished
    conversions."""
    found: list[dict[str, Any]] = _core.cache.raw_temporaries(str(root / "raw")) + _manifest(root).temporaries()
    return found


@dataclass(frozen=True)
class CacheInfo:
    """What the disk cache holds and how often it was useful."""

    directory: Path
    raw_files: int
    raw_bytes: int
    ipc_entries: int  # conversions cached as Arrow IPC (LZ4)
    ipc_bytes: int
    parquet_entries: int  # conversions cached as Parquet
    parquet_bytes: int
    ipc_uncompressed_entries: int  # conversions cached as uncompressed Arrow IPC
    ipc_uncompressed_bytes: int
    hits: int
    misses: int
    temporary_files: int = 0  # left by writers that are gone (partial downloads, unfinished conversions)
    temporary_bytes: int = 0

    @property
    def converted_entries(self) -> int:
        """Conversions in any format."""
        return self.ipc_entries + self.parquet_entries + self.ipc_uncompressed_entries

    @property
    def converted_bytes(self) -> int:
        """Bytes of the conversions in any format."""
        return self.ipc_bytes + self.parquet_bytes + self.ipc_uncompressed_bytes

    @property
    def entries(self) -> int:
        """Raw files and converted entries together."""
        return self.raw_files + self.converted_entries

    @property
    def bytes(self) -> int:
        """Bytes on disk, raw and converted together."""
        return self.raw_bytes + self.converted_bytes

    @property
    def hit_rate(self) -> float | None:
        """Share of conversions served from the cache (``None`` before the first lookup)."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else None

    def __repr__(self) -> str:
        rate = "n/a" if self.hit_rate is None else f"{self.hit_rate:.2f}"
        temporary = f", temporary_files={self.temporary_files}" if self.temporary_files else ""
        return (
            f"CacheInfo(directory={str(self.directory)!r}, entries={self.entries}, "
            f"bytes={human_bytes(self.bytes)!r}, hit_rate={rate}{temporary})"
        )


def info(directory: str | os.PathLike[str] | None = None) -> CacheInfo:
    """Entries, bytes (raw downloads, and conversions per format), hit rate and temporary files left by writers
    that are gone, of the cache (the default one unless ``directory`` is given)."""
    root = _root(directory)
    converted = _manifest(root).info()
    by_format = converted["by_format"]
    none = {"entries": 0, "bytes": 0}
    ipc, parquet = by_format.get("ipc", none), by_format.get("parquet", none)
    uncompressed = by_format.get("ipc-uncompressed", none)
    raw = [f["bytes"] for f in _raw_files(root)]
    temporary = _temporaries(root)
    return CacheInfo(
        directory=root,
        raw_files=len(raw),
        raw_bytes=sum(raw),
        ipc_entries=ipc["entries"],
        ipc_bytes=ipc["bytes"],
        parquet_entries=parquet["entries"],
        parquet_bytes=parquet["bytes"],
        ipc_uncompressed_entries=uncompressed["entries"],
        ipc_uncompressed_bytes=uncompressed["bytes"],
        hits=converted["hits"],
        misses=converted["misses"],
        temporary_files=len(temporary),
        temporary_bytes=sum(t["bytes"] for t in temporary),
    )


def entries(directory: str | os.PathLike[str] | None = None) -> pa.Table:
    """Every cache entry: ``kind`` (raw or converted), ``format`` (``"dbc"``/``"dbf"`` for raw files, ``"ipc"``,
    ``"parquet"`` or ``"ipc-uncompressed"`` for conversions), ``path`` on the server, ``bytes``, ``dataset`` and
    ``last_used`` (UTC), one row each."""
    root = _root(directory)
    rows = [
        {
            "kind": "converted",
            "format": e["format"],
            "path": e["path"],
            "bytes": e["bytes"],
            "dataset": e["dataset"] or None,
            "last_used": dt.datetime.fromtimestamp(e["last_used"], dt.timezone.utc),
        }
        for e in _manifest(root).entries()
    ]
    raw = _raw_files(root)
    for f, dataset in zip(raw, _datasets([f["path"] for f in raw]), strict=True):
        rows.append(
            {
                "kind": "raw",
                "format": Path(f["path"]).suffix.lstrip(".").lower() or None,
                "path": f["path"],
                "bytes": f["bytes"],
                "dataset": dataset,
                "last_used": dt.datetime.fromtimestamp(f["mtime"], dt.timezone.utc),
            }
        )
    schema = pa.schema(
        [
            ("kind", pa.string()),
            ("format", pa.string()),
            ("path", pa.string()),
            ("bytes", pa.int64()),
            ("dataset", pa.string()),
            ("last_used", pa.timestamp("s", tz="UTC")),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def parse_age(older_than: dt.timedelta | str | float | None) -> int | None:
    """Seconds from a timedelta, a number of seconds, or a string like ``"30d"``, ``"12h"``, ``"1w"``."""
    if older_than is None:
        return None
    if isinstance(older_than, dt.timedelta):
        seconds = older_than.total_seconds()
    elif isinstance(older_than, str):
        match = _DURATION.match(older_than)
        if not match:
            raise InvalidArgumentError(
                f"older_than={older_than!r} is not a duration: use e.g. '30d', '12h', '90m', '1w' or seconds"
            )
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        seconds = float(older_than)
    if seconds < 0:
        raise InvalidArgumentError("older_than must not be negative")
    return int(seconds)


def clear(
    older_than: dt.timedelta | str | float | None = None,
    dataset: str | None = None,
    kind: EntryKind | None = None,
    directory: str | os.PathLike[str] | None = None,
) -> int:
    """Removes cache entries and their files; returns how many were removed (temporary files included).

    Args:
        older_than: only entries not used for this long (``"30d"``, a ``timedelta`` or seconds).
        dataset: only entries of this dataset id (e.g. ``"sih-rd"``).
        kind: only ``"raw"`` (downloaded .dbc), only ``"converted"`` entries (any format), only the
            conversions cached as ``"ipc"``, ``"parquet"`` or ``"ipc-uncompressed"``, or only ``"temporary"``
            files left by writers that are gone. Without a kind (and a dataset), those temporary files go too.
            Files another live process is writing are never touched.
        directory: another cache directory than the default.
    """
    kinds = ("raw", "converted", "temporary", *CACHE_FORMATS)
    if kind is not None and kind not in kinds:
        raise InvalidArgumentError(f"kind must be one of {', '.join(map(repr, kinds))}, not {kind!r}")
    age = parse_age(older_than)
    root = _root(directory)
    removed = 0
    if kind == "temporary" or (kind is None and dataset is None):
        removed += _core.cache.remove_raw_temporaries(str(root / "raw"), age)
        removed += _manifest(root).remove_temporaries(age)
    if kind in ("converted", *CACHE_FORMATS) or kind is None:
        fmt = kind if kind in CACHE_FORMATS else None
        removed += _manifest(root).clear(age, dataset, fmt)
    if kind in (None, "raw"):
        cutoff = time.time() - age if age is not None else None
        raw = [f for f in _raw_files(root) if cutoff is None or f["mtime"] <= cutoff]
        if dataset is not None:
            raw = [f for f, d in zip(raw, _datasets([f["path"] for f in raw]), strict=True) if d == dataset]
        for f in raw:
            _core.cache.remove_raw(str(root / "raw"), f["path"])
        removed += len(raw)
    return removed


__all__ = ["CacheInfo", "cache_dir", "clear", "entries", "info", "parse_age"]
