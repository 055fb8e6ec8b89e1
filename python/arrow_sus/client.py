"""A client: where arrow-sus reads from and keeps its files, shared by the scans and downloads made through it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from arrow_sus import aio
from arrow_sus import scan as _scan
from arrow_sus._options import SOURCE_DEFAULTS
from arrow_sus._partitions import IntArg, UfArg
from arrow_sus.errors import InvalidArgumentError
from arrow_sus.remote import DownloadSummary, Source, download, given_timeouts, open_source

__all__ = ["Client"]


class Client:
    """Settings shared by the calls made through it: the source (``$ARROW_SUS_SOURCE`` or the DATASUS FTP when
    ``None``), its connection limit and timeouts, and the cache directory. Module functions
    (``arrow_sus.scan``...) keep working without one.

    ::

        with arrow_sus.Client("ftp://espelho.exemplo.br/dissemin/publicos", cache_dir="/dados/cache") as client:
            table = client.scan("sim-do", uf="AC", year=2022).to_arrow()

        async with arrow_sus.Client() as client:
            scan = await client.scan_async("sih-rd", uf="SP", year=2024, month=1)
            async for batch in scan.stream_async():
                ...

    Every scan and download of every client in the process shares Arrow's thread pools and, per host, the
    source's connection limit. Closing the client (leaving ``with``/``async with``) makes it refuse new calls;
    scans made through it remain usable."""

    def __init__(
        self,
        source: str | None = None,
        *,
        cache_dir: str | Path | None = None,
        max_connections: int = SOURCE_DEFAULTS.max_connections,
        connect_timeout: float | None = None,
        timeout: float | None = None,
    ) -> None:
        self.source: Source = open_source(
            source, max_connections=max_connections, **given_timeouts(connect_timeout, timeout)
        )
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._closed = False

    def _scan_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The client's settings under the call's own ``options``."""
        self._check_open()
        settings: dict[str, Any] = {
            "source": self.source.url,
            "max_connections": self.source.options.max_connections,
            "connect_timeout": self.source.options.connect_timeout,
            "timeout": self.source.options.timeout,
        }
        if self.cache_dir is not None:
            settings["cache_dir"] = self.cache_dir
        return {**settings, **options}

    def _check_open(self) -> None:
        if self._closed:
            raise InvalidArgumentError("this Client is closed: make a new one (arrow_sus.Client(...))")

    def scan(
        self, dataset: str, uf: UfArg = None, year: IntArg = None, month: IntArg = None, **options: Any
    ) -> _scan.Scan:
        """:func:`arrow_sus.scan` with the client's settings (``options`` override them)."""
        return _scan.scan(dataset, uf, year, month, **self._scan_options(options))

    async def scan_async(
        self, dataset: str, uf: UfArg = None, year: IntArg = None, month: IntArg = None, **options: Any
    ) -> _scan.Scan:
        """:func:`arrow_sus.aio.scan` with the client's settings (``options`` override them)."""
        return await aio.scan(dataset, uf, year, month, **self._scan_options(options))

    def download(
        self,
        dataset: str | None = None,
        *,
        files: Iterable[str] | None = None,
        dest: str | Path | None = None,
        progress: bool = True,
        errors: Literal["raise", "collect"] = "raise",
        **partitions: Any,
    ) -> DownloadSummary:
        """:func:`arrow_sus.download` from the client's source (``partitions``: ``uf``, ``year``, ``month``); by
        default into the client's cache directory (``raw/``)."""
        self._check_open()
        return download(
            dataset, files=files, dest=self._dest(dest), source=self.source, progress=progress, errors=errors,
            **partitions,
        )  # fmt: skip

    async def download_async(
        self,
        dataset: str | None = None,
        *,
        files: Iterable[str] | None = None,
        dest: str | Path | None = None,
        progress: bool = True,
        errors: Literal["raise", "collect"] = "raise",
        **partitions: Any,
    ) -> DownloadSummary:
        """:func:`arrow_sus.aio.download` from the client's source (see :meth:`download`)."""
        self._check_open()
        return await aio.download(
            dataset, files=files, dest=self._dest(dest), source=self.source, progress=progress, errors=errors,
            **partitions,
        )  # fmt: skip

    def _dest(self, dest: str | Path | None) -> str | Path | None:
        if dest is None and self.cache_dir is not None:
            return self.cache_dir / "raw"
        return dest

    def close(self) -> None:
        """Refuses new calls from now on. Idempotent."""
        self._closed = True

    async def aclose(self) -> None:
        """:meth:`close` for ``async with``."""
        self.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        state = ", closed" if self._closed else ""
        cache = f", cache_dir={str(self.cache_dir)!r}" if self.cache_dir is not None else ""
        return f"Client({self.source.url!r}{cache}{state})"
