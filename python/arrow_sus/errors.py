"""Exception hierarchy of arrow-sus.

Every error raised by the library derives from :class:`ArrowSusError`. Errors about a specific file carry
where it happened in attributes (``path``, ``offset``, ``row``, ``field``, and ``line`` for text files such as
TabWin ``.CNV``/``.DEF``; ``None`` when unknown), and the message already names them, so ``str(err)`` alone
tells what went wrong and where.
"""

from __future__ import annotations


class ArrowSusError(Exception):
    """Base class of every arrow-sus error."""

    path: str | None = None
    offset: int | None = None
    row: int | None = None
    field: str | None = None
    line: int | None = None


class FormatError(ArrowSusError, ValueError):
    """The bytes do not follow the DBF / DBC / DCL format (corrupt, truncated or not a DATASUS file)."""


class ChecksumError(FormatError):
    """The CRC-32 stored in a ``.dbc`` does not match its decompressed contents."""


class ConversionError(ArrowSusError, ValueError):
    """A value could not be converted and ``on_invalid="raise"`` was asked."""


class InvalidArgumentError(ArrowSusError, ValueError):
    """An argument names something that does not exist (unknown column, dataset, operator...)."""


class NotFoundError(ArrowSusError, FileNotFoundError):
    """A file, dataset or remote path does not exist."""


class NetworkError(ArrowSusError, OSError):
    """A remote source failed, after the configured retries."""


class CancelledError(ArrowSusError):
    """The work was cancelled (Ctrl-C or a dropped iterator)."""


class ArrowSusIOError(ArrowSusError, OSError):
    """A local file-system operation failed."""


class MissingDependencyError(ArrowSusError, ImportError):
    """An optional package a backend needs (polars, duckdb, pandas, datafusion) is not installed; the message
    names the ``pip install`` that adds it."""


class ArrowSusWarning(UserWarning):
    """Something a read reports without failing; the subclasses say what."""


class CodedFilterWarning(ArrowSusWarning):
    """A filter compares a coded column as if it held values: ``IDADE >= 60`` on SIM compares age codes (unit
    digit then value, so ``307``, seven months, passes). The message names the decoded column to filter on
    instead (``IDADE_ANOS``)."""


class TruncatedFileWarning(ArrowSusWarning):
    """A file's data ends before the records its header declares (or inside a record), and it was read
    anyway because ``on_truncated="warn"`` was asked: the table holds only the records that are there. The
    message names the file and both record counts."""


__all__ = [
    "ArrowSusError",
    "ArrowSusIOError",
    "ArrowSusWarning",
    "CancelledError",
    "ChecksumError",
    "CodedFilterWarning",
    "ConversionError",
    "FormatError",
    "InvalidArgumentError",
    "MissingDependencyError",
    "NetworkError",
    "NotFoundError",
    "TruncatedFileWarning",
]
