"""Which files of a dataset a query reads: the engine's discovery (C++ ``scan::Dataset``), done once for
:func:`arrow_sus.scan`, :func:`arrow_sus.download` and :func:`arrow_sus.list_files`.

Discovery lists the catalog's directories of the dataset on the source, keeps the names the catalog reads as
this dataset in the asked states, years and months and, for a read, takes the final file of a period published
both as final and as preliminary and one complete set of split parts per month. Its errors (a periodic dataset
without a year, no files) name the arguments in the caller's terms (``year=`` or ``--year``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from arrow_sus._messages import command_line_terms
from arrow_sus._native import _core


@dataclass(frozen=True)
class RemoteFile:
    """A data file found on the server: its path (relative to the source root), size, mtime (UTC) and what
    the catalog reads from its name."""

    path: str
    size: int
    mtime: datetime | None
    dataset: str
    uf: str | None
    year: int | None
    month: int | None
    part: str | None
    preliminary: bool | None


def dataset_files(
    native_source: Any,
    dataset: str,
    ufs: list[str] | None,
    years: list[int] | None,
    months: list[int] | None,
    *,
    select: bool = True,
    require_year: bool = True,
) -> list[RemoteFile]:
    """The dataset's files on ``native_source`` (a ``_core.io.Source``) for normalized partitions, sorted by
    path. ``select``: what a read takes (final over preliminary, split parts; no file is an error); otherwise
    every matching file. ``require_year``: a monthly or yearly dataset without ``years`` is an error."""
    found = _core.discover_dataset(
        native_source,
        dataset,
        ufs,
        years,
        months,
        select=select,
        require_year=require_year,
        command_line=command_line_terms(),
    )
    for f in found:
        f["mtime"] = None if f["mtime"] is None else datetime.fromtimestamp(f["mtime"], tz=timezone.utc)
    return [RemoteFile(**f) for f in found]
