"""arrow-sus: Brazilian public-health microdata (DATASUS) as typed, streaming Apache Arrow."""

from __future__ import annotations

from arrow_sus import cache
from arrow_sus._native import _core
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
    "cache",
]

del _core
