"""Native work awaited from an asyncio event loop without blocking it and without a thread per operation.

The engine runs the work on Arrow's thread pools. When an operation finishes, the pool thread keeps its
outcome natively and posts a token to the loop's completion queue, whose eventfd the loop watches
(``loop.add_reader``): no pool thread ever takes the GIL to hand over a result (``src/python/completions.h``).
The loop drains the tokens and takes each outcome on its own thread. One queue serves a loop, however many
operations are in flight.
"""

from __future__ import annotations

import asyncio
import itertools
import weakref
from collections.abc import Callable
from typing import Any

from arrow_sus._native import _core

#: A native method that starts an operation and returns its pending outcome: ``start(queue, token)``.
Start = Callable[[Any, int], Any]


class _LoopCompletions:
    """The completion queue of one event loop and the operations waiting on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._queue = _core.completion_queue()
        self._tokens = itertools.count(1)
        self._waiting: dict[int, tuple[asyncio.Future[Any], Any]] = {}
        try:
            loop.add_reader(self._queue.fileno(), self._drain)
        except NotImplementedError:
            raise RuntimeError(
                f"{type(loop).__name__} cannot watch file descriptors (loop.add_reader); arrow_sus's async API "
                "needs a selector event loop (asyncio's default on Linux and macOS, uvloop)"
            ) from None

    def start(self, start: Start) -> asyncio.Future[Any]:
        """Starts a native operation; the future gets its pending outcome once it is there (``take()`` it: the
        outcome, or its typed error raised)."""
        token = next(self._tokens)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # A pool thread may post the token before this line: the loop drains it only after we return.
        self._waiting[token] = (future, start(self._queue, token))
        return future

    def _drain(self) -> None:
        # Only wakes the waiting tasks: each takes its outcome when it runs (converting it is the costly part), so
        # a burst of completions is spread over the loop's iterations instead of stalling one.
        for token in self._queue.drain():
            future, pending = self._waiting.pop(token)
            if not future.cancelled():
                future.set_result(pending)


# A loop's queue goes with the loop (its selector, closed with it, watched the eventfd; the fd closes when the
# last pool callback holding the native queue is done).
_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopCompletions] = weakref.WeakKeyDictionary()


def completions() -> _LoopCompletions:
    """The running loop's completion queue (made on first use)."""
    loop = asyncio.get_running_loop()
    found = _per_loop.get(loop)
    if found is None:
        found = _per_loop[loop] = _LoopCompletions(loop)
    return found


async def run(start: Start) -> Any:
    """Runs a native operation and returns its outcome. Cancelling the caller abandons the outcome, not the
    operation: callers that must stop it cancel it natively (``AsyncBatchStream.aclose``)."""
    pending = await completions().start(start)
    return pending.take()
