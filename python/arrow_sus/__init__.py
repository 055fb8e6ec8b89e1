"""arrow-sus: Brazilian public-health microdata (DATASUS) as typed, streaming Apache Arrow."""

from __future__ import annotations

from arrow_sus._native import _core
from arrow_sus.codec import compress_dbf, dbc_to_dbf, dbf_to_dbc, decompress_dbc
from arrow_sus.errors import (
    ArrowSusError,
    ArrowSusIOError,
    CancelledError,
    ChecksumError,
    ConversionError,
    FormatError,
    InvalidArgumentError,
    NetworkError,
    NotFoundError,
)

__version__ = "0.1.0"

__all__ = [
    "ArrowSusError",
    "ArrowSusIOError",
    "CancelledError",
    "ChecksumError",
    "ConversionError",
    "FormatError",
    "InvalidArgumentError",
    "NetworkError",
    "NotFoundError",
    "__version__",
    "compress_dbf",
    "dbc_to_dbf",
    "dbf_to_dbc",
    "decompress_dbc",
]

del _core
