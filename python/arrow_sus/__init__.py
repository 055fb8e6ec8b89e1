"""arrow-sus: Brazilian public-health microdata (DATASUS) as typed, streaming Apache Arrow."""

from __future__ import annotations

from arrow_sus import catalog
from arrow_sus._native import _core
from arrow_sus.catalog import FileRef, datasets, describe, parse_path, paths, select_parts
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
    "FileRef",
    "FormatError",
    "InvalidArgumentError",
    "NetworkError",
    "NotFoundError",
    "__version__",
    "catalog",
    "datasets",
    "describe",
    "parse_path",
    "paths",
    "select_parts",
]

del _core
