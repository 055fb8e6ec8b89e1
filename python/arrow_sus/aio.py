"""arrow_sus for asyncio: scans and downloads awaited without blocking the event loop.

::

    import arrow_sus
    from arrow_sus import aio

    scan = await aio.scan("sih-rd", uf="AC", year=2024, month=1)
    table = await scan.to_arrow_async()          # or: async for batch in scan.stream_async()
    summary = await aio.download("sim-do", uf="AC", year=2022, dest="dados")

Downloads, planning and decoding run on Arrow's thread pools and hand their results to the loop through one
eventfd per loop (no thread waits per operation), so a web service or a notebook can keep hundreds of scans in
flight; they share the source's connection limit and the pools. Cancelling the awaiting task stops the work.
Listing the dataset's directories (``aio.scan``, ``aio.download``) runs on the loop's default executor: one
listing per directory, off the loop.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from arrow_sus import _aio_loop
from arrow_sus import scan as _scan
from arrow_sus._options import SOURCE_DEFAULTS
from arrow_sus._partitions import IntArg, UfArg
from arrow_sus.remote import DownloadProgress, DownloadRequest, DownloadSummary, Source, dataset_paths

__all__ = ["download", "download_files", "scan"]


async def scan(dataset: str, uf: UfArg = None, year: IntArg = None, month: IntArg = None, **options: Any) -> _scan.Scan:
    """:func:`arrow_sus.scan` awaited: the same arguments and the same lazy :class:`~arrow_sus.Scan`, whose
    directories are listed off the loop. Consume it with ``stream_async()``, ``to_arrow_async()``,
    ``to_polars_async()``."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(_scan.scan, dataset, uf, year, month, **options))


async def download_files(
    files: Iterable[str],
    dest: str | Path | None = None,
    *,
    source: str | Source | None = None,
    progress: bool = True,
    errors: Literal["raise", "collect"] = "raise",
    max_connections: int = SOURCE_DEFAULTS.max_connections,
) -> DownloadSummary:
    """:func:`arrow_sus.remote.download_files` awaited: the same verification, resumption, summary and errors.
    The progress bar is drawn by the loop from the engine's counters. Cancelling the awaiting task stops every
    download (partial files stay for a later resume) before the cancellation goes on."""
    request = DownloadRequest.make(files, dest, source, errors, max_connections)
    native: Any = None

    def start(queue: Any, token: int) -> Any:
        nonlocal native
        native = request.source._native.download_many_async(request.paths, str(request.root), queue, token)
        return native

    # Shielded: a cancelled task must still see the engine stop before it goes on.
    completion = _aio_loop.completions().start(start)
    bar = DownloadProgress(progress and bool(request.paths), len(request.paths))
    try:
        while bar.enabled and not completion.done():
            await asyncio.wait([asyncio.shield(completion)], timeout=0.1)
            counts = native.progress()
            bar.show(counts["expected_bytes"], counts["bytes"], counts["files"])
        outcomes = (await asyncio.shield(completion)).take()
    except asyncio.CancelledError:
        native.cancel()
        await asyncio.wait([completion])
        raise
    finally:
        bar.close()
    return request.summarize(outcomes, progress)


async def download(
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
    """:func:`arrow_sus.remote.download` awaited: a dataset's files (the ones a scan of the same arguments reads)
    or explicit ``files``; see :func:`download_files`."""
    if files is not None:
        if dataset is not None:
            raise ValueError("give either a dataset (with uf/year/month) or files=[...]")
        paths = list(files)
    else:
        loop = asyncio.get_running_loop()
        paths, source = await loop.run_in_executor(
            None, dataset_paths, dataset, uf, year, month, source, max_connections
        )
    return await download_files(
        paths, dest, source=source, progress=progress, errors=errors, max_connections=max_connections
    )
