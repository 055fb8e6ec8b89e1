"""arrow-sus: Brazilian public-health microdata (DATASUS) as typed, streaming Apache Arrow."""

from __future__ import annotations

from arrow_sus import aio, cache, catalog, labels, reference
from arrow_sus._aio_stream import AsyncBatchStream
from arrow_sus._native import _core
from arrow_sus.catalog import FileRef, datasets, describe, parse_path, paths, select_parts
from arrow_sus.client import Client
from arrow_sus.codec import compress_dbf, dbc_to_dbf, dbf_to_dbc, decompress_dbc
from arrow_sus.errors import (
    ArrowSusError,
    ArrowSusIOError,
    ArrowSusWarning,
    CancelledError,
    ChecksumError,
    CodedFilterWarning,
    ConversionError,
    FormatError,
    InvalidArgumentError,
    MissingDependencyError,
    NetworkError,
    NotFoundError,
    TruncatedFileWarning,
)
from arrow_sus.filters import parse_where
from arrow_sus.quality import QualityReport, check
from arrow_sus.query import IncompleteQueryError, Query, QueryPartError
from arrow_sus.reader import (
    open_dbc,
    open_dbf,
    read_dbc,
    read_dbf,
    reader_header,
    reader_stats,
    table_stats,
)
from arrow_sus.reference import reference_table
from arrow_sus.reference.lookups import lookup
from arrow_sus.remote import download, list_files, stat
from arrow_sus.scan import Scan, scan, scan_cnes, scan_sia, scan_sih, scan_sim, scan_sinan, scan_sinasc
from arrow_sus.scan_stats import ScanStats

__version__ = "0.1.0"

__all__ = [
    "ArrowSusError",
    "ArrowSusIOError",
    "ArrowSusWarning",
    "AsyncBatchStream",
    "CancelledError",
    "ChecksumError",
    "Client",
    "CodedFilterWarning",
    "ConversionError",
    "FileRef",
    "FormatError",
    "IncompleteQueryError",
    "InvalidArgumentError",
    "MissingDependencyError",
    "NetworkError",
    "NotFoundError",
    "QualityReport",
    "Query",
    "QueryPartError",
    "Scan",
    "ScanStats",
    "TruncatedFileWarning",
    "__version__",
    "aio",
    "cache",
    "catalog",
    "check",
    "compress_dbf",
    "datasets",
    "dbc_to_dbf",
    "dbf_to_dbc",
    "decompress_dbc",
    "describe",
    "download",
    "labels",
    "list_files",
    "lookup",
    "open_dbc",
    "open_dbf",
    "parse_path",
    "parse_where",
    "paths",
    "read_dbc",
    "read_dbf",
    "reader_header",
    "reader_stats",
    "reference",
    "reference_table",
    "scan",
    "scan_cnes",
    "scan_sia",
    "scan_sih",
    "scan_sim",
    "scan_sinan",
    "scan_sinasc",
    "select_parts",
    "stat",
    "table_stats",
]

del _core
