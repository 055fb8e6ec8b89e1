"""The engine's option objects: how records are read (``ReadOptions``), how a scan runs (``ScanOptions``) and how a
source is reached (``SourceOptions``).

They are the C++ option structs bound as classes (``src/python/bind_options.cc``): the defaults and the checks are
defined there, once. The wrappers' signatures read their defaults from :data:`READ_DEFAULTS`, :data:`SCAN_DEFAULTS`
and :data:`SOURCE_DEFAULTS`, and build the objects with :func:`make_options`, which names a rejected option as the
caller wrote it (``batch_size`` from Python, ``--batch-size`` on the command line).
"""

from __future__ import annotations

from typing import Any, TypeVar

from arrow_sus._messages import argument, command_line_terms
from arrow_sus._native import _core
from arrow_sus.errors import InvalidArgumentError

ReadOptions = _core.ReadOptions
ScanOptions = _core.ScanOptions
SourceOptions = _core.SourceOptions

#: The engine's defaults (fresh objects; never changed).
READ_DEFAULTS: ReadOptions = ReadOptions()
SCAN_DEFAULTS: ScanOptions = ScanOptions()
SOURCE_DEFAULTS: SourceOptions = SourceOptions()

Options = TypeVar("Options", ReadOptions, ScanOptions, SourceOptions)


def make_options(cls: type[Options], **values: Any) -> Options:
    """``cls`` with the engine's defaults, changed by the ``values`` that are not ``None`` (left out: the
    default), each checked by the engine. A rejected value raises :class:`~arrow_sus.errors.InvalidArgumentError`
    whose message starts with the option's name in the caller's terms."""
    given = {name: value for name, value in values.items() if value is not None}
    try:
        return cls(**given)
    except InvalidArgumentError as error:
        message = str(error)
        name = next((n for n in given if message.startswith(n + " ")), None)
        if name is None or not command_line_terms():
            raise
        raise InvalidArgumentError(argument(name) + message[len(name) :]) from None


__all__ = [
    "READ_DEFAULTS",
    "SCAN_DEFAULTS",
    "SOURCE_DEFAULTS",
    "ReadOptions",
    "ScanOptions",
    "SourceOptions",
    "make_options",
]
