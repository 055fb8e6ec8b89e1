"""Reading DATASUS ``.dbc`` / ``.dbf`` files as typed Arrow: tables, streaming readers, stats.

The work happens in the C++ engine (see docs/reader.md): records are pulled from the (decompressed)
bytes in blocks of ``batch_size``, deleted records and the ``filters`` are applied to the raw bytes,
and only the requested ``columns`` are converted. Batches reach Python through the Arrow C stream
interface, so the GIL is not held while they are decoded.

Type rules: C -> string (``encoding``, trailing blanks trimmed, blank -> null, leading zeros kept);
N/F with decimals -> float64 (``decimals="exact"``: decimal128(width, decimals)); N without decimals
-> int32 (width <= 9), int64 (<= 18), else decimal128; D -> date32; L -> bool; other types -> binary;
``raw=True`` -> every field as its trimmed text; ``large_strings=True`` -> text as large_string (for
pandas). Unparsable values become null and are counted per column (``on_invalid="raise"`` raises
:class:`~arrow_sus.errors.ConversionError` instead).
"""

from __future__ import annotations

import json
import os
import warnings
import weakref
from collections.abc import Iterator, Sequence
from typing import Any, Literal, Union

import pyarrow as pa

from arrow_sus._columns import normalize_columns
from arrow_sus._meaning import CodesAs, LabelLanguage, LabelsArg, meaning_arguments
from arrow_sus._native import _core
from arrow_sus._options import READ_DEFAULTS, ReadOptions, make_options
from arrow_sus.errors import ArrowSusWarning, CodedFilterWarning, TruncatedFileWarning
from arrow_sus.filters import normalize_filters, serialize

#: A file path, or the file's bytes already in memory.
Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]

#: Schema metadata key under which :func:`read_dbc` / :func:`read_dbf` store the read statistics (JSON).
STATS_METADATA_KEY = b"arrow_sus.stats"

_native_readers: weakref.WeakKeyDictionary[pa.RecordBatchReader, Any] = weakref.WeakKeyDictionary()


def _source_args(source: Source) -> tuple[Any, str]:
    if isinstance(source, _core.io.RemoteFile):  # being downloaded (arrow_sus.remote.open_dbc)
        return source, source.name
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), ""
    path = os.fspath(source)
    if not isinstance(path, str):
        raise TypeError(f"source must be a path or bytes, got {type(source).__name__}")
    return path, path


def _open_native(
    kind: Literal["dbf", "dbc"],
    source: Source,
    *,
    columns: Sequence[str] | None,
    filters: Any,
    verify_crc: bool,
    dataset: str | None,
    typed: bool,
    labels: LabelsArg,
    codes_as: CodesAs,
    label_language: LabelLanguage,
    **read_options: Any,
) -> Any:
    """The engine's reader of ``source``; ``read_options`` are the keywords of :class:`ReadOptions` (encoding,
    batch_size, raw...)."""
    expr = normalize_filters(filters)
    native_filter = serialize(expr) if expr is not None else None
    src, name = _source_args(source)
    names = normalize_columns(columns)
    options = make_options(ReadOptions, **read_options)
    opener = _core.open_dbc if kind == "dbc" else _core.open_dbf
    return opener(
        src,
        name,
        options,
        columns=None if names is None else list(names),
        filter=native_filter,
        verify_crc=bool(verify_crc),
        dataset=dataset or "",
        typed=bool(typed),
        **meaning_arguments(labels, codes_as, label_language),
    )


def _open(kind: Literal["dbf", "dbc"], source: Source, **options: Any) -> pa.RecordBatchReader:
    native = _open_native(kind, source, **options)
    inner = pa.RecordBatchReader.from_stream(native)
    reader = pa.RecordBatchReader.from_batches(inner.schema, typed_error_batches(inner, native))
    _native_readers[reader] = native
    return reader


def read_all_typed(native: Any) -> pa.Table:
    """Reads an engine stream into a table. Each batch is decoded without the GIL; between batches Python
    runs, so Ctrl-C stops a long read. A failed read re-raises the engine's typed error."""
    inner = pa.RecordBatchReader.from_stream(native)
    return pa.Table.from_batches(typed_error_batches(inner, native), schema=inner.schema)


#: The engine's warning kinds (scan/read_warning.h) and their classes.
_WARNINGS: dict[str, type[ArrowSusWarning]] = {"truncated": TruncatedFileWarning, "filter": CodedFilterWarning}


def warn_of(reported: list[tuple[str, str]], stacklevel: int) -> None:
    """Issues the warnings a pass reported ((kind, message) pairs) as their classes."""
    for kind, message in reported:
        warnings.warn(message, _WARNINGS[kind], stacklevel=stacklevel)


def typed_error_batches(inner: pa.RecordBatchReader, native: Any) -> Iterator[pa.RecordBatch]:
    """Yields the engine's batches; a failed read re-raises the engine's typed error (FormatError,
    NetworkError...) instead of the generic one the C stream interface can carry (pyarrow raises a plain
    ``OSError`` for the engine's I/O and network failures). Decoding itself runs in ``read_next_batch``
    without the GIL. Stopping early closes the stream, which stops the engine's work. Files read although
    truncated (``on_truncated="warn"``) are reported as :class:`TruncatedFileWarning`, filters comparing coded
    ages as :class:`CodedFilterWarning`, at the end."""
    try:
        while True:
            try:
                batch = inner.read_next_batch()
            except StopIteration:
                warn_of(native.warnings(), stacklevel=4)
                return
            except (pa.ArrowException, OSError):
                native.raise_last_error()
                raise
            yield batch
    finally:
        inner.close()


def reader_stats(reader: pa.RecordBatchReader) -> dict[str, Any]:
    """Statistics of a reader returned by :func:`open_dbc` / :func:`open_dbf`, so far.

    Keys: ``header_record_count``; ``records_read`` (complete records found in the data, deleted ones
    included); ``record_count_difference`` (records_read - header_record_count, once finished: the data
    is trusted over the header); ``deleted_records``; ``rows_filtered_out``; ``rows_emitted``;
    ``finished``; ``eof_marker`` (a 0x1A byte ended the records); ``trailing_bytes`` (ignored bytes after
    it); ``truncated`` (the data ended before the header's record count or inside a record, and was read
    anyway: ``on_truncated="warn"``); ``invalid_values`` (per converted column: values that were not blank
    but could not be parsed).
    """
    native = _native_readers.get(reader)
    if native is None:
        raise TypeError("reader_stats() takes a reader returned by arrow_sus.open_dbc / open_dbf")
    return dict(native.stats())


def reader_header(reader: pa.RecordBatchReader) -> dict[str, Any]:
    """The DBF header of a reader from :func:`open_dbc` / :func:`open_dbf`: version, date, record_count,
    header_length, record_length and fields as ``(name, type, width, decimals)`` tuples."""
    native = _native_readers.get(reader)
    if native is None:
        raise TypeError("reader_header() takes a reader returned by arrow_sus.open_dbc / open_dbf")
    return dict(native.header())


def _read_table(kind: Literal["dbf", "dbc"], source: Source, **options: Any) -> pa.Table:
    native = _open_native(kind, source, **options)
    table = read_all_typed(native)
    stats = dict(native.stats())
    metadata = dict(table.schema.metadata or {})
    metadata[STATS_METADATA_KEY] = json.dumps(stats).encode()
    return table.replace_schema_metadata(metadata)


def table_stats(table: pa.Table) -> dict[str, Any]:
    """The statistics :func:`read_dbc` / :func:`read_dbf` stored in a table's schema metadata."""
    raw = (table.schema.metadata or {}).get(STATS_METADATA_KEY)
    if raw is None:
        raise KeyError("this table was not read by arrow_sus.read_dbc / read_dbf (no stats metadata)")
    return dict(json.loads(raw))


def open_dbf(
    source: Source,
    columns: Sequence[str] | None = None,
    filters: Any = None,
    encoding: str = READ_DEFAULTS.encoding,
    batch_size: int = READ_DEFAULTS.batch_size,
    raw: bool = READ_DEFAULTS.raw,
    decimals: Literal["float", "exact"] = READ_DEFAULTS.decimals,
    on_invalid: Literal["null", "raise"] = READ_DEFAULTS.on_invalid,
    on_truncated: Literal["raise", "warn"] = READ_DEFAULTS.on_truncated,
    keep_deleted: bool = READ_DEFAULTS.keep_deleted,
    use_threads: bool = READ_DEFAULTS.use_threads,
    dataset: str | None = None,
    large_strings: bool = READ_DEFAULTS.large_strings,
    typed: bool = True,
    labels: LabelsArg = False,
    codes_as: CodesAs = "dictionary",
    label_language: LabelLanguage = "pt",
) -> pa.RecordBatchReader:
    """Opens a plain ``.dbf`` as a streaming :class:`pyarrow.RecordBatchReader`.

    Args:
        source: path (``str`` / ``Path``) or the file's bytes.
        columns: fields to convert, in this order (``None`` = all). Unknown names raise
            :class:`~arrow_sus.errors.InvalidArgumentError` listing the available fields.
        filters: rows to keep, pyarrow.parquet style, ``--where`` text or a ``pyarrow.compute.Expression`` (see
            :mod:`arrow_sus.filters`); comparisons of a field with a literal are evaluated on the raw bytes, the
            rest by Arrow after conversion; may use fields that are not in ``columns``.
        encoding: ``"latin-1"`` (DATASUS), ``"cp850"``, ``"cp1252"`` (Windows-1252) or ``"utf-8"``.
        batch_size: records per block; batches hold at most this many rows (fewer for very wide records:
            a block holds at most 8 MiB of raw records, so memory stays bounded).
        raw: every field as its trimmed text.
        decimals: N/F fields with decimals as ``"float"`` (float64) or ``"exact"`` (decimal128).
        on_invalid: unparsable values become ``"null"`` (counted, see :func:`reader_stats`) or
            ``"raise"`` a :class:`~arrow_sus.errors.ConversionError` naming the row and field.
        on_truncated: a file whose data ends before the records its header declares, or inside a record
            (a copy or download cut short), ``"raise"``s a :class:`~arrow_sus.errors.FormatError` naming the
            file and both record counts; ``"warn"`` reads the records that are there and emits a
            :class:`~arrow_sus.errors.TruncatedFileWarning` (``reader_stats(...)["truncated"]`` is true).
            More records than the header declares are read either way (the data is trusted).
        keep_deleted: keep records flagged deleted and add a bool column ``_deleted``.
        use_threads: convert blocks on Arrow's CPU thread pool (a file whose records fit in one batch of under
            64 KiB is read on the calling thread: handing it over would cost more than it saves).
        dataset: the catalog id whose data dictionary describes the file (e.g. ``"sih-rd"``); by default the
            one its name shows (``RDSP2401.dbc`` is SIH-RD of 2024; bytes have no name, so none). With it,
            ``typed``, ``labels`` and ``codes_as`` apply as in :func:`arrow_sus.scan`.
        large_strings: text columns as ``large_string`` (64-bit offsets) instead of ``string``. pandas 3
            stores its strings as ``large_string``, so for ``.to_pandas()`` this skips a cast that copies
            every offset (about 4x faster conversion on a 16 MB DBF); Polars and DuckDB take either. To join
            with a ``string`` column (e.g. ``arrow_sus.catalog.municipalities()``), cast one side first.
        typed: types from the data dictionary: dates and numbers stored as text, coded ages decoded
            (``IDADE_ANOS``, ``IDADE_UNIDADE``, ``IDADE_VALOR``); text that is not a date becomes null and is
            counted (``reader_stats(...)["invalid_dates"]``), or raises under ``on_invalid="raise"``.
            Filters compare dates as dates and may name ``IDADE_ANOS`` (translated to the raw codes).
        labels: ``False`` (the codes), ``True`` (each coded column shows its labels) or ``"both"`` (adds
            ``COL_label`` beside each coded column); codes a list lacks keep their text and are counted
            per column (``reader_stats(...)["unmapped_codes"]``).
        codes_as: ``"dictionary"`` (coded columns as Arrow dictionary arrays: categoricals in pandas and
            Polars) or ``"string"``.
        label_language: ``"pt"`` (as the official documents write them) or ``"en"``.

    The reader also works wherever ``__arrow_c_stream__`` is accepted (``polars.from_arrow``, DuckDB).
    """
    return _open("dbf", verify_crc=False, **locals())  # every argument above, as given


def read_dbf(
    source: Source,
    columns: Sequence[str] | None = None,
    filters: Any = None,
    encoding: str = READ_DEFAULTS.encoding,
    batch_size: int = READ_DEFAULTS.batch_size,
    raw: bool = READ_DEFAULTS.raw,
    decimals: Literal["float", "exact"] = READ_DEFAULTS.decimals,
    on_invalid: Literal["null", "raise"] = READ_DEFAULTS.on_invalid,
    on_truncated: Literal["raise", "warn"] = READ_DEFAULTS.on_truncated,
    keep_deleted: bool = READ_DEFAULTS.keep_deleted,
    use_threads: bool = READ_DEFAULTS.use_threads,
    dataset: str | None = None,
    large_strings: bool = READ_DEFAULTS.large_strings,
    typed: bool = True,
    labels: LabelsArg = False,
    codes_as: CodesAs = "dictionary",
    label_language: LabelLanguage = "pt",
) -> pa.Table:
    """Reads a plain ``.dbf`` into a :class:`pyarrow.Table` (arguments as in :func:`open_dbf`).

    The table's schema metadata holds the source name, the header record count and the read statistics
    (:func:`table_stats`); each field's metadata holds its DBF type, width and decimals.
    """
    return _read_table("dbf", verify_crc=False, **locals())  # every argument above, as given


def open_dbc(
    source: Source,
    columns: Sequence[str] | None = None,
    filters: Any = None,
    encoding: str = READ_DEFAULTS.encoding,
    batch_size: int = READ_DEFAULTS.batch_size,
    raw: bool = READ_DEFAULTS.raw,
    decimals: Literal["float", "exact"] = READ_DEFAULTS.decimals,
    on_invalid: Literal["null", "raise"] = READ_DEFAULTS.on_invalid,
    on_truncated: Literal["raise", "warn"] = READ_DEFAULTS.on_truncated,
    keep_deleted: bool = READ_DEFAULTS.keep_deleted,
    verify_crc: bool = True,
    use_threads: bool = READ_DEFAULTS.use_threads,
    dataset: str | None = None,
    large_strings: bool = READ_DEFAULTS.large_strings,
    typed: bool = True,
    labels: LabelsArg = False,
    codes_as: CodesAs = "dictionary",
    label_language: LabelLanguage = "pt",
) -> pa.RecordBatchReader:
    """Opens a DATASUS ``.dbc`` as a streaming :class:`pyarrow.RecordBatchReader`, decompressing as it reads.

    Arguments as in :func:`open_dbf`, plus ``verify_crc``: check the CRC-32 stored in the file when the
    end is reached (a mismatch raises :class:`~arrow_sus.errors.ChecksumError`). Memory stays proportional
    to ``batch_size``, not to the file. Usable wherever ``__arrow_c_stream__`` is accepted
    (``polars.from_arrow(reader)``, ``duckdb.sql("select ... from reader")``).
    """
    return _open("dbc", **locals())  # every argument above, as given


def read_dbc(
    source: Source,
    columns: Sequence[str] | None = None,
    filters: Any = None,
    encoding: str = READ_DEFAULTS.encoding,
    batch_size: int = READ_DEFAULTS.batch_size,
    raw: bool = READ_DEFAULTS.raw,
    decimals: Literal["float", "exact"] = READ_DEFAULTS.decimals,
    on_invalid: Literal["null", "raise"] = READ_DEFAULTS.on_invalid,
    on_truncated: Literal["raise", "warn"] = READ_DEFAULTS.on_truncated,
    keep_deleted: bool = READ_DEFAULTS.keep_deleted,
    verify_crc: bool = True,
    use_threads: bool = READ_DEFAULTS.use_threads,
    dataset: str | None = None,
    large_strings: bool = READ_DEFAULTS.large_strings,
    typed: bool = True,
    labels: LabelsArg = False,
    codes_as: CodesAs = "dictionary",
    label_language: LabelLanguage = "pt",
) -> pa.Table:
    """Reads a DATASUS ``.dbc`` into a :class:`pyarrow.Table` (arguments as in :func:`open_dbc`).

    Example::

        t = arrow_sus.read_dbc("RDSP2401.dbc", columns=["MUNIC_RES", "DIAG_PRINC", "VAL_TOT"],
                               filters=[("DIAG_PRINC", "starts_with", "I2"), ("IDADE_ANOS", ">=", 60)])
        t.to_pandas()

    The schema metadata holds the source name, the header record count, the stored CRC-32 and the read
    statistics (:func:`table_stats`); each field's metadata its DBF type, width and decimals.
    """
    return _read_table("dbc", **locals())  # every argument above, as given


__all__ = [
    "STATS_METADATA_KEY",
    "Source",
    "open_dbc",
    "open_dbf",
    "read_dbc",
    "read_dbf",
    "reader_header",
    "reader_stats",
    "table_stats",
]
