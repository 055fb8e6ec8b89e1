"""The batches of one scan pass as an async iterator (``Scan.stream_async``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from arrow_sus import _aio_loop
from arrow_sus.reader import warn_of


class AsyncBatchStream:
    """The record batches of a new scan pass, read without blocking the event loop::

        async with scan.stream_async() as stream:
            async for batch in stream:
                ...

    Planning (a header read per uncached file) and every batch run on Arrow's thread pools; each batch is handed
    to the loop by the pool thread that finished it, so no thread waits for a stream and any number of streams
    share the pools and the source's connection limit. The read-ahead is bounded as in ``stream()``: a slow
    consumer holds a few batches per open file, not the scan.

    Leaving ``async with``, ``aclose()``, or cancelling the task that awaits a batch stops the pass: downloads
    and decoding end, unfinished conversions are removed from the cache (a partial download stays for a later
    resume), and the cancellation propagates once the running steps have ended. A failed read raises the
    engine's typed error (``FormatError``, ``NetworkError``...)."""

    def __init__(self, engine: Callable[[], Any], on_start: Callable[[], None]) -> None:
        self._engine = engine
        self._on_start = on_start
        self._native: Any = None
        self._closed = False
        #: The pass's schema, known once the first batch was awaited (the scan is planned then).
        self.schema: pa.Schema | None = None

    def __aiter__(self) -> AsyncBatchStream:
        return self

    async def __aenter__(self) -> AsyncBatchStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def __anext__(self) -> pa.RecordBatch:
        if self._closed:
            raise StopAsyncIteration
        try:
            if self._native is None:
                engine = self._engine()
                await _aio_loop.run(engine.plan_async)
                self._native = engine.execute_async()
                self.schema = pa.Schema._import_from_c_capsule(self._native.schema_capsule())
                self._on_start()
            exported = await _aio_loop.run(self._native.read_next)
        except asyncio.CancelledError:
            await self._close_while_cancelled()
            raise
        except BaseException:
            await self.aclose()
            raise
        if exported is None:
            await self.aclose()
            warn_of(self._native.warnings(), stacklevel=2)
            raise StopAsyncIteration
        owner, address = exported  # the owner frees the C struct once the batch has been moved out of it
        batch = pa.RecordBatch._import_from_c(address, self.schema)
        del owner
        return batch

    async def aclose(self) -> None:
        """Stops the pass (if it is still running) and waits for its work to end. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._native is not None:
            await _aio_loop.run(self._native.close)

    async def _close_while_cancelled(self) -> None:
        """Closes after the awaiting task was cancelled: the close is shielded from a second cancellation, so
        the cache is left consistent before the cancellation goes on."""
        closing = asyncio.ensure_future(self.aclose())
        try:
            await asyncio.shield(closing)
        except asyncio.CancelledError:
            await closing


class InMemoryBatchStream(AsyncBatchStream):
    """The batches of a table already in memory (an auxiliary dataset's scan), with the same interface."""

    def __init__(self, reader: pa.RecordBatchReader) -> None:
        super().__init__(lambda: None, lambda: None)
        self._reader = reader
        self.schema = reader.schema

    async def __anext__(self) -> pa.RecordBatch:
        if self._closed:
            raise StopAsyncIteration
        try:
            return self._reader.read_next_batch()
        except StopIteration:
            await self.aclose()
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        self._closed = True
        self._reader.close()
