"""The disk cache: downloaded ``.dbc`` files and their converted Parquet.

Entries are keyed by the remote file's identity (source, path, size, modification time, CRC-32) and, for
Parquet, by the converter version and options, so a file DATASUS republishes is fetched again. The cache
lives in ``$ARROW_SUS_CACHE`` (else the platform cache directory, ``~/.cache/arrow-sus``).

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
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa

from arrow_sus._format import human_bytes
from arrow_sus._native import _core
from arrow_sus.errors import InvalidArgumentError

EntryKind = Literal["raw", "parquet"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def cache_dir() -> Path:
    """The cache directory in use: ``$ARROW_SUS_CACHE``, else ``$XDG_CACHE_HOME/arrow-sus``, else
    ``~/.cache/arrow-sus``."""
    return Path(_core.default_cache_dir())


def _open(directory: str | os.PathLike[str] | None) -> _core.Cache:
    return _core.Cache.open(os.fspath(directory) if directory is not None else str(cache_dir()))


@dataclass(frozen=True)
class CacheInfo:
    """What the disk cache holds and how often it was useful."""

    directory: Path
    raw_entries: int
    raw_bytes: int
    parquet_entries: int
    parquet_bytes: int
    hits: int
    misses: int

    @property
    def entries(self) -> int:
        """Raw and Parquet entries together."""
        return self.raw_entries + self.parquet_entries

    @property
    def bytes(self) -> int:
        """Bytes on disk, raw and Parquet together."""
        return self.raw_bytes + self.parquet_bytes

    @property
    def hit_rate(self) -> float | None:
        """Share of lookups answered from the cache (``None`` before the first lookup)."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else None

    def __repr__(self) -> str:
        rate = "n/a" if self.hit_rate is None else f"{self.hit_rate:.2f}"
        return (
            f"CacheInfo(directory={str(self.directory)!r}, entries={self.entries}, "
            f"bytes={human_bytes(self.bytes)!r}, hit_rate={rate})"
        )


def info(directory: str | os.PathLike[str] | None = None) -> CacheInfo:
    """Entries, bytes and hit rate of the cache (the default one unless ``directory`` is given)."""
    cache = _open(directory)
    return CacheInfo(directory=Path(cache.root), **cache.info())


def entries(directory: str | os.PathLike[str] | None = None) -> pa.Table:
    """Every cache entry as a table (kind, source, path, size, mtime, crc, dataset, bytes, times...)."""
    rows = _open(directory).entries()
    table = pa.Table.from_pylist(rows) if rows else pa.table({"kind": pa.array([], pa.string())})
    return table


def parse_age(older_than: dt.timedelta | str | float | int | None) -> int | None:
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
    """Removes cache entries and their files; returns how many were removed.

    Args:
        older_than: only entries not used for this long (``"30d"``, a ``timedelta`` or seconds).
        dataset: only entries of this dataset id (e.g. ``"sih-rd"``).
        kind: only ``"raw"`` (downloaded .dbc) or only ``"parquet"`` (converted) entries.
        directory: another cache directory than the default.
    """
    if kind not in (None, "raw", "parquet"):
        raise InvalidArgumentError(f"kind must be 'raw' or 'parquet', not {kind!r}")
    return _open(directory).clear(parse_age(older_than), dataset, kind)


__all__ = ["CacheInfo", "cache_dir", "clear", "entries", "info", "parse_age"]
