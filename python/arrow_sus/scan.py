"""Scanning a whole dataset — several states and periods — as one lazy, typed, streaming Arrow source.

>>> import arrow_sus
>>> s = arrow_sus.scan("sih-rd", uf=["SP", "RJ"], year=2023, month=range(1, 7),
...                    columns=["DT_INTER", "SEXO", "IDADE", "DIAG_PRINC", "VAL_TOT"],
...                    filters=[("SEXO", "=", "3"), ("IDADE_ANOS", ">=", 60)])   # doctest: +SKIP
>>> s.files()            # the planned files, their sizes and whether they are cached   # doctest: +SKIP
>>> df = s.to_polars()   # also .to_arrow(), .to_pandas(), .to_duckdb(), .lazy(), .to("datafusion")   # doctest: +SKIP

Nothing is read until the scan is consumed. Planning lists the dataset's directories on the source (the
DATASUS FTP, or the mirror in ``source=`` / ``$ARROW_SUS_SOURCE``), keeps the files of the asked partitions
(one complete set of split parts per month) and reads each file's header once, from the cache when it holds
this version. Execution runs in the C++ engine: several files at a time, projection and filters pushed down,
converted files cached for the next run (Arrow IPC, or Parquet with ``cache_format="parquet"``), memory bounded
whatever the number of files.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import pyarrow as pa

from arrow_sus._aio_stream import AsyncBatchStream, InMemoryBatchStream
from arrow_sus._columns import normalize_columns
from arrow_sus._dataset import dataset_files
from arrow_sus._format import human_bytes
from arrow_sus._meaning import CodesAs, LabelLanguage, LabelsArg, meaning_arguments
from arrow_sus._native import _core
from arrow_sus._options import (
    READ_DEFAULTS,
    SCAN_DEFAULTS,
    SOURCE_DEFAULTS,
    ReadOptions,
    ScanOptions,
    SourceOptions,
    make_options,
)
from arrow_sus._output_target import OutputRules, check_format, check_target
from arrow_sus._partitions import IntArg, UfArg, normalize_months, normalize_ufs, normalize_years
from arrow_sus._plan_diagram import plan_diagram
from arrow_sus._writers import tree_size, write_partitioned, write_stream
from arrow_sus.backends import to_backend
from arrow_sus.cache import CacheFormat
from arrow_sus.catalog import dataset_info
from arrow_sus.errors import InvalidArgumentError
from arrow_sus.filters import normalize_filters, serialize
from arrow_sus.reader import read_all_typed, typed_error_batches
from arrow_sus.reference import scan_table
from arrow_sus.reference._table_engine import TableEngine
from arrow_sus.remote import Source, given_timeouts, open_source
from arrow_sus.scan_stats import ScanStats

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import polars as pl

SchemaMode = Literal["union", "intersection", "strict"]


#: Environment variable choosing the converted cache's format when ``cache_format`` is not given.
CACHE_FORMAT_ENV = "ARROW_SUS_CACHE_FORMAT"

#: Source columns ``with_source=True`` adds to every row (the engine's list).
SOURCE_COLUMNS: tuple[str, ...] = tuple(_core.SOURCE_COLUMNS)


@dataclass(frozen=True)
class _Options:
    """Everything that shapes a scan's output, besides the file list."""

    columns: tuple[str, ...] | None
    filters: Any  # a normalized filter expression or None
    read: ReadOptions
    scan: ScanOptions
    source: SourceOptions
    typed: bool
    meaning: dict[str, str]  # labels, codes_as and label_language, as the engine names them

    def replace(self, **changes: Any) -> _Options:
        """These options with others: ``columns``, ``filters``, ``typed``, ``meaning`` or any option of the
        :class:`ReadOptions` and :class:`ScanOptions`, by name."""
        read = {k: changes.pop(k) for k in list(changes) if k in _READ_OPTIONS}
        scan = {k: changes.pop(k) for k in list(changes) if k in _SCAN_OPTIONS}
        return replace(self, read=self.read.replace(**read), scan=self.scan.replace(**scan), **changes)


_READ_OPTIONS = frozenset(READ_DEFAULTS.to_dict())
_SCAN_OPTIONS = frozenset(SCAN_DEFAULTS.to_dict())

#: The options an execution gives (the engine's ``ScanRequest``); the others shape the plan.
_REQUEST_OPTIONS = frozenset({"columns", "filters", "batch_size", "with_source", "ordered"})


@dataclass(frozen=True)
class _File:
    """A file to scan, as planned from the live listing."""

    path: str
    size: int | None
    mtime: int | None
    dataset: str
    uf: str | None
    year: int | None
    month: int | None


class Scan:
    """A lazy scan over DATASUS files; see :func:`scan`. Consuming it (``to_arrow()``, ``stream()``,
    ``to_polars()``...) runs the native pipeline; every consumption is a new pass."""

    def __init__(self, dataset: str, files: Sequence[_File], source: str, options: _Options) -> None:
        self.dataset = dataset
        self.source = source
        self._files = tuple(files)
        self._options = options
        self._native: Any = None
        # The scan this one narrows (a projection, Polars' pushdown), and the scan whose native pass ran
        # last among this one and those narrowing it: ``stats`` reports that pass.
        self._origin: Scan | None = None
        self._latest_pass: Scan = self
        # The scan whose plan this one executes its own request against (narrowing reuses the plan).
        self._plan_of: Scan | None = None

    # ---- planning -------------------------------------------------------------------------------

    def _engine(self) -> Any:
        if self._native is None:
            o = self._options
            native_filter = serialize(o.filters) if o.filters is not None else None
            if self._plan_of is not None:  # a narrowed request: the plan of the scan it narrows
                columns = list(o.columns) if o.columns is not None else None
                self._native = self._plan_of._engine().narrow(
                    columns, native_filter, o.read.batch_size, o.scan.with_source, o.scan.ordered
                )
                return self._native
            self._native = _core.open_scan(
                [(f.path, f.size, f.mtime, f.dataset, f.uf or "", f.year, f.month) for f in self._files],
                self.source,
                o.read,
                o.scan,
                o.source,
                columns=list(o.columns) if o.columns is not None else None,
                filter=native_filter,
                typed=o.typed,
                **o.meaning,
            )
        return self._native

    def _with(self, **changes: Any) -> Scan:
        """The same files with other options (used by projections and Polars pushdown)."""
        if "filters" in changes:
            changes["filters"] = normalize_filters(changes["filters"])
        narrowed = self._narrowed(self._options.replace(**changes))
        narrowed._origin = self
        if changes.keys() <= _REQUEST_OPTIONS:  # same files, same conversion: planned once
            narrowed._plan_of = self._plan_of or self
        return narrowed

    def _pushdown(self, columns: list[str] | None, filters: Any, batch_size: int | None, n_rows: int | None) -> Scan:
        """This scan narrowed to what a consumer reads (Polars' IO plugin): ``columns`` (``None``: all; the
        source columns are left to the engine when this scan adds them), ``filters`` ANDed with this scan's,
        batches of ``batch_size`` rows, no larger than ``n_rows`` so that the pass stops after about those."""
        changes: dict[str, Any] = {"filters": _combine_filters(self._options.filters, filters)}
        if columns is not None:
            # Source columns are the scan's own only with with_source; otherwise a "uf" is a column of the data.
            source_columns = [c for c in columns if c in SOURCE_COLUMNS and self._options.scan.with_source]
            changes["columns"] = tuple(c for c in columns if c not in source_columns)
        if batch_size:
            changes["batch_size"] = int(batch_size)
        if n_rows is not None:
            changes["batch_size"] = max(1, min(n_rows, changes.get("batch_size", self._options.read.batch_size)))
        return self._with(**changes)

    def _narrowed(self, options: _Options) -> Scan:
        """The same scan with other options."""
        return Scan(self.dataset, self._files, self.source, options)

    def _record_pass(self) -> None:
        """Makes this scan's pass the one ``stats`` reports, here and on every scan it narrows."""
        scan: Scan | None = self
        while scan is not None:
            scan._latest_pass = self
            scan = scan._origin

    @property
    def schema(self) -> pa.Schema:
        """The output schema: the files' columns unified by name (``schema=`` mode), projected, typed."""
        return pa.Schema._import_from_c_capsule(self._engine().schema_capsule())

    def files(self) -> pa.Table:
        """The planned files: path, partition, size, mtime (UTC), record count and CRC when known, and
        ``cached`` ("ipc", "parquet" or "ipc-uncompressed": converted copy reused, in that format; "raw":
        downloaded copy reused; "": to fetch)."""
        rows = self._engine().files()
        for row in rows:
            mtime = row["mtime"]
            row["mtime"] = dt.datetime.fromtimestamp(mtime, dt.timezone.utc) if mtime is not None else None
        schema = pa.schema(
            [
                ("path", pa.string()),
                ("dataset", pa.string()),
                ("uf", pa.string()),
                ("year", pa.int32()),
                ("month", pa.int32()),
                ("size", pa.int64()),
                ("mtime", pa.timestamp("s", tz="UTC")),
                ("records", pa.int64()),
                ("crc32", pa.uint32()),
                ("cached", pa.string()),
                ("columns", pa.int32()),
            ]
        )
        return pa.Table.from_pylist(rows, schema=schema)

    def explain(self, format: str = "text") -> str:
        """The plan, before anything is read (planning runs if it has not): per file its size, where it is
        read from (the converted cache, the raw cache, the mirror or a download; whether its conversion
        fills the cache), the columns converted or read from the cache, and the filter as evaluated before
        presentation (on the raw bytes, or the typed values) or applied after it.

        ``format="text"`` (the default) gives it as lines of text; ``format="mermaid"`` as a Mermaid flowchart
        (files → conversion and filters → output), which Markdown viewers such as GitHub and MkDocs Material
        draw as a diagram. Raises :class:`~arrow_sus.InvalidArgumentError` for another format."""
        files = self._engine().explain()
        o = self._options
        if format == "mermaid":
            return plan_diagram(self.dataset, self.source, files, len(self.schema), o.filters)
        check_format(format, ("text", "mermaid"))
        total = sum(f["size"] for f in files)
        lines = [
            f"scan {self.dataset} from {self.source}: {len(files)} files, {human_bytes(total)}",
            f"  output: {len(self.schema)} columns" + ("" if o.columns is None else f" ({', '.join(o.columns)})"),
            f"  filter: {o.filters if o.filters is not None else 'none'}",
        ]
        for f in files:
            where = f["read_from"] + (", fills the converted cache" if f["fills_cache"] else "")
            lines.append(f"  {f['path']}  {human_bytes(f['size'])}  from {where}")
            lines.append(f"    columns ({len(f['columns'])}): {', '.join(f['columns'])}")
            if f["filter_pushed"]:
                lines.append(f"    filter before presentation (raw bytes or typed values): {f['filter_pushed']}")
            if f["filter_after"]:
                lines.append(f"    filter after presentation (Arrow compute): {f['filter_after']}")
        return "\n".join(lines)

    @property
    def stats(self) -> ScanStats:
        """What the latest pass went through (see :class:`arrow_sus.ScanStats`): files, bytes read and
        downloaded, records scanned, deleted and filtered out, rows delivered, columns converted or read from
        the cache. Read live: the counters grow per batch while the pass runs, and a new pass starts them at
        zero. A pass made for this scan by ``lazy()`` (Polars' projection and predicate pushed down) or
        ``to_parquet()`` counts as this scan's, so ``scan.stats`` after ``scan.lazy()...collect()`` shows
        what the pushdown saved."""
        latest = self._latest_pass
        return ScanStats.from_counters(len(latest._files), latest._engine().counters())

    def unmapped_codes(self) -> dict[str, int]:
        """Values of coded columns that their code list lacks, per column, in the latest pass (they keep their
        text, also under ``labels=True``; ``arrow_sus.check`` lists them)."""
        return dict(self._latest_pass._engine().unmapped_codes())

    # ---- consumption ----------------------------------------------------------------------------

    def _execute(self) -> Any:
        """Starts a new pass of the engine: its native stream."""
        native = self._engine().execute()
        self._record_pass()
        return native

    def to_reader(self) -> pa.RecordBatchReader:
        """A new pass as a ``pyarrow.RecordBatchReader``. Engine errors surface as arrow_sus exceptions."""
        native = self._execute()
        inner = pa.RecordBatchReader.from_stream(native)
        return pa.RecordBatchReader.from_batches(inner.schema, typed_error_batches(inner, native))

    def stream(self) -> Iterator[pa.RecordBatch]:
        """Iterates the record batches of a new pass (dropping the iterator cancels the rest)."""
        reader = self.to_reader()
        try:
            yield from reader
        finally:
            reader.close()

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream protocol: ``pa.table(scan)``, ``pl.from_arrow(scan)``, DuckDB...

        Each call is a new pass, started lazily: a consumer that only asks for the schema (DuckDB does, several
        times per query) starts no download and no decoding."""
        reader = pa.RecordBatchReader.from_batches(self.schema, self.stream())
        return reader.__arrow_c_stream__(requested_schema)

    def to_arrow(self) -> pa.Table:
        """Reads everything into a ``pyarrow.Table``."""
        return read_all_typed(self._execute())

    def to_polars(self) -> pl.DataFrame:
        """Reads everything into a Polars ``DataFrame``."""
        import polars as pl

        return pl.from_arrow(self.to_arrow())  # type: ignore[return-value]

    collect = to_polars

    # ---- consumption from an event loop ------------------------------------------------------------

    def stream_async(self) -> AsyncBatchStream:
        """The batches of a new pass as an async iterator that never blocks the event loop:
        ``async for batch in scan.stream_async()`` (see :class:`arrow_sus.AsyncBatchStream`: cancellation,
        bounded read-ahead, errors)."""
        return AsyncBatchStream(self._engine, self._record_pass)

    async def to_arrow_async(self) -> pa.Table:
        """``to_arrow()`` for an event loop: ``table = await scan.to_arrow_async()``. The loop runs on while the
        pools download and decode; cancelling the awaiting task stops the pass."""
        async with self.stream_async() as stream:
            batches = [batch async for batch in stream]
            schema = stream.schema
        return pa.Table.from_batches(batches, schema=schema)

    async def to_polars_async(self) -> pl.DataFrame:
        """``to_polars()`` for an event loop (see :meth:`to_arrow_async`)."""
        import polars as pl

        return pl.from_arrow(await self.to_arrow_async())  # type: ignore[return-value]

    collect_async = to_polars_async

    def to_pandas(self, **kwargs: Any) -> pd.DataFrame:
        """Reads everything into a pandas ``DataFrame``: dates as ``datetime64`` (not Python objects), coded
        columns as categoricals. ``kwargs`` go to ``pyarrow.Table.to_pandas`` (``date_as_object=True`` gives
        ``datetime.date`` objects back)."""
        kwargs.setdefault("date_as_object", False)
        return self.to_arrow().to_pandas(**kwargs)

    def to_duckdb(self, con: duckdb.DuckDBPyConnection | None = None, name: str | None = None) -> Any:
        """A DuckDB relation over the scan, which can be queried any number of times (registered as the view
        ``name`` when given, so SQL can name it too).

        The relation is lazy, like the scan: every query DuckDB runs on it reads the scan again (a new pass;
        files already converted come from the cache). To read once and query many times in memory,
        materialise it: ``rel.create("t")`` or ``con.sql("CREATE TABLE t AS SELECT * FROM name")``."""
        import duckdb

        connection = con if con is not None else duckdb.connect()
        if name is not None:
            connection.register(name, self)
            return connection.table(name)
        return connection.from_arrow(self)

    def lazy(self) -> pl.LazyFrame:
        """A Polars ``LazyFrame``: Polars' projection, predicate (the supported part), ``n_rows`` and batch
        size are pushed into the native scan; the rest of the predicate is applied by Polars. After
        ``collect()``, this scan's ``stats`` describe the pass Polars ran (columns converted, rows filtered
        out at the source, records scanned, bytes read)."""
        from arrow_sus._polars_source import lazy_frame  # needs polars, an optional dependency

        return lazy_frame(self)

    @overload
    def to(self, backend: Literal["arrow"], /) -> pa.Table: ...
    @overload
    def to(self, backend: Literal["pandas"], /, **kwargs: Any) -> pd.DataFrame: ...
    @overload
    def to(self, backend: Literal["polars"], /) -> pl.LazyFrame: ...
    @overload
    def to(
        self, backend: Literal["duckdb"], /, *, con: duckdb.DuckDBPyConnection | None = None, name: str | None = None
    ) -> Any: ...
    @overload
    def to(self, backend: Literal["datafusion"], /, *, ctx: Any = None, name: str | None = None) -> Any: ...
    @overload
    def to(self, backend: str, /, **kwargs: Any) -> Any: ...

    def to(self, backend: str, /, **kwargs: Any) -> Any:
        """The scan handed to another engine, one interface for all (:mod:`arrow_sus.backends`):

        - ``"arrow"``: a ``pyarrow.Table`` (``to_arrow()``);
        - ``"pandas"``: a pandas ``DataFrame`` (``to_pandas(**kwargs)``);
        - ``"polars"``: a Polars ``LazyFrame`` whose projection and filters are pushed into the scan (``lazy()``);
        - ``"duckdb"``: a DuckDB relation, read again by each query (``to_duckdb(con=, name=)``);
        - ``"datafusion"``: a DataFusion ``DataFrame`` over the table ``name`` (default the dataset id with ``_``
          for ``-``) of the ``SessionContext`` ``ctx`` (default a new one); DataFusion reads the scan's stream
          once, when the table is registered.

        Every backend gives the same rows. Raises :class:`~arrow_sus.InvalidArgumentError` for an unknown backend
        or option, and :class:`~arrow_sus.MissingDependencyError` (an ``ImportError``) naming the
        ``pip install`` a missing package needs."""
        return to_backend(self, backend, **kwargs)

    def to_parquet(
        self,
        path: str | Path,
        *,
        partition_by: Sequence[str] | None = None,
        compression: str = "zstd",
        overwrite: bool = False,
    ) -> dict[str, Any]:
        """Writes the scan as Parquet while it streams (never the whole result in memory).

        The output is written under a temporary name and moved into place when complete. An existing ``path``
        is replaced only when arrow-sus wrote it or ``overwrite`` is true; never a device, the current
        directory or a directory holding files arrow-sus did not write.

        Args:
            path: a ``.parquet`` file, or a directory when ``partition_by`` is given.
            partition_by: columns to partition by, e.g. ``["uf", "year", "month"]`` (hive layout); the
                source columns are added automatically when named here.
            compression: Parquet codec.
            overwrite: replace an existing ``path`` that arrow-sus did not write.

        Returns:
            A summary: ``path``, ``rows``, ``files`` (source files read), ``bytes`` written.
        """
        out = Path(path)
        rules = OutputRules(overwrite=overwrite, inputs=self.local_inputs())
        check_target(out, directory=bool(partition_by), rules=rules)  # before any file is read
        target = self
        if partition_by and any(c in SOURCE_COLUMNS for c in partition_by) and not self._options.scan.with_source:
            target = self._with(with_source=True)
        reader = target.to_reader()
        if partition_by:
            rows = write_partitioned(reader, out, partition_by, compression, rules=rules)
        else:
            rows = write_stream(reader, reader.schema, out, "parquet", rules=rules, compression=compression)
        return {"path": str(out), "rows": rows, "files": len(self._files), "bytes": tree_size(out)}

    def __repr__(self) -> str:
        o = self._options
        cols = "all columns" if o.columns is None else f"{len(o.columns)} columns"
        where = "" if o.filters is None else f", filters={o.filters}"
        size = sum(f.size or 0 for f in self._files)
        return (
            f"<arrow_sus.Scan {self.dataset}: {len(self._files)} files ({human_bytes(size)}), {cols}{where}, "
            f"source={self.source}>"
        )

    def __len__(self) -> int:
        """Number of planned files."""
        return len(self._files)

    def local_inputs(self) -> tuple[Path, ...]:
        """The planned files as local paths, when the source is a local mirror (``file://``): outputs must
        never be written over them. Empty for remote sources (their local copies live in the cache, which
        no output may touch)."""
        if not self.source.startswith("file://"):
            return ()
        root = Path(urllib.request.url2pathname(urllib.parse.urlparse(self.source).path))
        return tuple(root / f.path for f in self._files)


class ReferenceScan(Scan):
    """A scan of an auxiliary dataset's table, in memory (see :func:`scan`)."""

    def __init__(self, dataset: str, table: pa.Table, label: str, source: str, options: _Options) -> None:
        super().__init__(dataset, [_File(label, None, None, dataset, None, None, None)], source, options)
        self._table = table
        self._label = label

    def _engine(self) -> Any:
        if self._native is None:
            o = self._options
            self._native = TableEngine(
                self._table, self._label, columns=o.columns, filters=o.filters, batch_size=o.read.batch_size,
                with_source=o.scan.with_source,
            )  # fmt: skip
        return self._native

    def _narrowed(self, options: _Options) -> Scan:
        return ReferenceScan(self.dataset, self._table, self._label, self.source, options)

    def stream_async(self) -> AsyncBatchStream:
        """The table's batches (in memory already) with the interface of :meth:`Scan.stream_async`."""
        return InMemoryBatchStream(self.to_reader())

    def local_inputs(self) -> tuple[Path, ...]:
        """None: the table is in memory (outputs can overwrite no input of it)."""
        return ()


def _plan(
    dataset: str, ufs: list[str] | None, years: list[int] | None, months: list[int] | None, src: Source
) -> list[_File]:
    """The files a scan of these partitions reads (the engine's discovery, shared with ``download``)."""
    return [
        _File(
            path=f.path,
            size=f.size,
            mtime=int(f.mtime.timestamp()) if f.mtime is not None else None,
            dataset=f.dataset,
            uf=f.uf,
            year=f.year,
            month=f.month,
        )
        for f in dataset_files(src._native, dataset, ufs, years, months)
    ]


def scan(
    dataset: str,
    uf: UfArg = None,
    year: IntArg = None,
    month: IntArg = None,
    *,
    columns: Sequence[str] | None = None,
    filters: Any = None,
    source: str | None = None,
    cache: bool = SCAN_DEFAULTS.cache,
    cache_format: CacheFormat | None = None,
    schema: SchemaMode = SCAN_DEFAULTS.schema,
    typed: bool = True,
    labels: LabelsArg = False,
    codes_as: CodesAs = "dictionary",
    label_language: LabelLanguage = "pt",
    with_source: bool = SCAN_DEFAULTS.with_source,
    ordered: bool = SCAN_DEFAULTS.ordered,
    encoding: str | None = None,
    decimals: Literal["float", "exact"] = READ_DEFAULTS.decimals,
    raw: bool = READ_DEFAULTS.raw,
    on_invalid: Literal["null", "raise"] = READ_DEFAULTS.on_invalid,
    on_truncated: Literal["raise", "warn"] = READ_DEFAULTS.on_truncated,
    keep_deleted: bool = READ_DEFAULTS.keep_deleted,
    batch_size: int = READ_DEFAULTS.batch_size,
    max_concurrent_files: int = SCAN_DEFAULTS.max_concurrent_files,
    use_threads: bool = READ_DEFAULTS.use_threads,
    max_connections: int = SOURCE_DEFAULTS.max_connections,
    connect_timeout: float | None = None,
    timeout: float | None = None,
    verify_crc: bool = SCAN_DEFAULTS.verify_crc,
    cache_dir: str | Path | None = None,
    refresh: bool = False,
) -> Scan:
    """A lazy scan of a dataset over states and periods.

    Args:
        dataset: catalog id, e.g. ``"sih-rd"`` (``arrow_sus.datasets()`` lists them). An auxiliary dataset
            (``"aux-cid10"``) scans its reference table: the compiled-in copy, or the server's for tables kept
            only there (docs/reference.md).
        uf: a state (``"SP"``), a list, or ``None`` for every state (or the national files).
        year: a year, a list, a ``range`` or ``"2019-2023"``; required for periodic datasets.
        month: a month, a list, a ``range`` or ``"1-6"``; ``None`` for every month.
        columns: columns to read, in this order (others are skipped at the byte level).
        filters: rows to keep: ``[("SEXO", "=", "3"), ("IDADE_ANOS", ">=", 60)]`` (ANDed), a list of such lists
            (ORed), ``--where`` text or an expression from :func:`arrow_sus.parse_where`, or a
            ``pyarrow.compute.Expression``; comparisons of a column with a literal run on the raw bytes, the
            rest with Arrow after conversion (see :mod:`arrow_sus.filters`).
        source: where the files are: ``ftp://...``, ``http(s)://...``, ``s3://...`` or ``file:///mirror``;
            default ``$ARROW_SUS_SOURCE`` or the DATASUS FTP.
        cache: reuse and fill the disk cache (downloaded files and their conversions).
        cache_format: how conversions are cached: ``"ipc-uncompressed"`` (Arrow IPC whose columns are the
            memory-mapped file's pages: the fastest re-read, ~8x faster than decoding the ``.dbc``, at ~10x its
            size on disk), ``"ipc"`` (Arrow IPC with LZ4 buffers: ~3x faster than decoding, 3-8x the ``.dbc``;
            the better choice for caches much larger than memory) or ``"parquet"`` (zstd, ~0.5x the ``.dbc``,
            but reading it back costs about as much as decoding the ``.dbc``). Default
            ``$ARROW_SUS_CACHE_FORMAT``, else ``"ipc-uncompressed"``. A conversion cached in another format is
            not used (the file is converted again).
        schema: how to combine files whose layouts differ: ``"union"`` (all columns, nulls where missing),
            ``"intersection"`` (common columns) or ``"strict"`` (differences are an error).
        typed: types from the catalog's data dictionary (docs/labels.md): date columns the DBF stores as
            text (SIH ``YYYYMMDD``, SIM/SINASC ``DDMMYYYY``, SIA ``YYYYMM`` competences) become ``date32``
            (text that is not a date becomes null and is counted in ``stats.invalid_dates``, or raises
            with ``on_invalid="raise"``); numbers stored as text (``PESO``, ``IDADEMAE``...) become
            numbers; coded ages gain ``IDADE_ANOS`` (float64 years, exact for hours, days and months),
            ``IDADE_UNIDADE`` and ``IDADE_VALOR`` beside them, and filters on ``IDADE_ANOS`` run on the
            raw codes.
        labels: ``False`` keeps the codes, ``True`` shows each coded column's labels instead (Portuguese
            as the official documents write them, or English with ``label_language="en"``), ``"both"``
            adds ``COL_label`` beside each coded column. Codes a list lacks keep their text and are
            counted in ``stats.unmapped_codes`` (per column: ``scan.unmapped_codes()``). Filters may
            name labels (``SEXO_label = 'Feminino'``): they are translated to codes.
        codes_as: ``"dictionary"`` (default) reads coded columns as Arrow dictionary arrays (categoricals
            in pandas and Polars; a label is the same indices with another dictionary), ``"string"`` as
            plain text.
        label_language: ``"pt"`` or ``"en"``.
        with_source: add ``uf``, ``year``, ``month`` and ``file`` columns to every row.
        ordered: batches in file order; ``False`` delivers them as soon as they are ready.
        encoding: text encoding of C fields; default the catalog's for the dataset (Latin-1 for most).
        decimals: ``"float"`` (float64) or ``"exact"`` (decimal128) for N/F fields with decimals.
        raw: every field as its trimmed text.
        on_invalid: ``"null"`` (count unparsable values) or ``"raise"``.
        on_truncated: a file whose data ends before its header's record count ``"raise"``s a FormatError;
            ``"warn"`` reads what is there (a :class:`~arrow_sus.errors.TruncatedFileWarning` names each such
            file, ``stats.truncated_files`` counts them) and leaves it out of the converted cache.
        keep_deleted: keep records flagged deleted, with a ``_deleted`` column.
        batch_size: rows per batch.
        max_concurrent_files: files read at once (0: one per core, at least 2).
        use_threads: run on Arrow's thread pools (downloads, file reads and planning on the IO pool, whose size is
            ``pyarrow.set_io_thread_count``; decoding on the CPU pool, ``pyarrow.set_cpu_count``); ``False`` runs
            everything on the calling thread, one file after the other.
        max_connections: simultaneous connections to the source host.
        connect_timeout: seconds to wait for a server to accept a connection and greet (default
            ``SourceOptions().connect_timeout``).
        timeout: seconds a server may stay silent before a request is dropped and retried (default
            ``SourceOptions().timeout``).
        verify_crc: check every .dbc's CRC-32.
        cache_dir: another cache directory than ``$ARROW_SUS_CACHE`` / the platform one.
        refresh: for an auxiliary dataset, read the server's current table (its TAB archive, from ``source``
            through the raw cache) instead of the compiled-in copy.
    """
    info = dataset_info(dataset)  # unknown ids raise with the closest ones; any case is accepted
    read = make_options(
        ReadOptions,
        encoding=encoding or info.get("encoding"),
        decimals=decimals,
        raw=raw,
        on_invalid=on_invalid,
        on_truncated=on_truncated,
        keep_deleted=keep_deleted,
        batch_size=batch_size,
        use_threads=use_threads,
    )
    scan_options = make_options(
        ScanOptions,
        schema=schema,
        cache=cache,
        cache_format=_cache_format(cache_format),
        cache_dir=str(cache_dir) if cache_dir is not None else None,
        ordered=ordered,
        max_concurrent_files=max_concurrent_files,
        with_source=with_source,
        verify_crc=verify_crc,
    )
    normalized_columns = normalize_columns(columns)
    filter_expression = normalize_filters(filters)
    ufs, years, months = normalize_ufs(uf), normalize_years(year), normalize_months(month)
    src = open_source(source, max_connections=max_connections, **given_timeouts(connect_timeout, timeout))
    options = _Options(
        columns=normalized_columns,
        filters=filter_expression,
        read=read,
        scan=scan_options,
        source=src.options,
        typed=typed,
        meaning=meaning_arguments(labels, codes_as, label_language),
    )
    if refresh and info["kind"] != "auxiliary":
        raise InvalidArgumentError(f"refresh=True applies to auxiliary (aux-*) datasets, not {info['id']}")
    if info["kind"] == "auxiliary":  # a reference table (docs/reference.md), not files of a directory
        table, label = scan_table(info["id"], ufs, years, src, refresh=refresh)
        return ReferenceScan(info["id"], table, label, src.url, options)
    return Scan(info["id"], _plan(info["id"], ufs, years, months, src), src.url, options)


def _cache_format(asked: str | None) -> str | None:
    """The asked cache format, else ``$ARROW_SUS_CACHE_FORMAT`` (checked here, to name the variable), else
    ``None`` (the engine's default)."""
    value = os.environ.get(CACHE_FORMAT_ENV) if asked is None else asked
    if asked is None and value:
        try:
            SCAN_DEFAULTS.replace(cache_format=value)
        except InvalidArgumentError as error:
            raise InvalidArgumentError(str(error).replace("cache_format", f"${CACHE_FORMAT_ENV}", 1)) from None
    return value or None


def _combine_filters(first: Any, second: Any) -> Any:
    """Both filter expressions (normalized) ANDed; either may be None."""
    a, b = normalize_filters(first), normalize_filters(second)
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def scan_sih(group: str = "RD", uf: UfArg = None, year: IntArg = None, month: IntArg = None, **kw: Any) -> Scan:
    """SIH hospital admissions: ``group`` RD (approved AIH), RJ (rejected), ER (errors), SP (professional
    services), CH... See :func:`scan` for the other arguments."""
    return scan(f"sih-{group.lower()}", uf, year, month, **kw)


def scan_sia(group: str = "PA", uf: UfArg = None, year: IntArg = None, month: IntArg = None, **kw: Any) -> Scan:
    """SIA outpatient production: ``group`` PA, BI, AB, AD, AM, AN, AQ, AR, ATD, PS, SAD..."""
    return scan(f"sia-{group.lower()}", uf, year, month, **kw)


def scan_sim(uf: UfArg = None, year: IntArg = None, *, group: str = "DO", **kw: Any) -> Scan:
    """SIM mortality: ``group`` DO (deaths), DOFET, DOINF, DOMAT, DOEXT..."""
    return scan(f"sim-{group.lower()}", uf, year, None, **kw)


def scan_sinasc(uf: UfArg = None, year: IntArg = None, *, group: str = "DN", **kw: Any) -> Scan:
    """SINASC live births: ``group`` DN (births), DNEX (births abroad)..."""
    return scan(f"sinasc-{group.lower()}", uf, year, None, **kw)


def scan_cnes(group: str = "ST", uf: UfArg = None, year: IntArg = None, month: IntArg = None, **kw: Any) -> Scan:
    """CNES health facilities: ``group`` ST (establishments), PF (professionals), EQ, LT, SR, HB..."""
    return scan(f"cnes-{group.lower()}", uf, year, month, **kw)


def scan_sinan(disease: str, year: IntArg = None, uf: UfArg = None, **kw: Any) -> Scan:
    """SINAN notifiable diseases: ``disease`` is the catalog's code, e.g. ``"deng"`` (dengue), ``"zika"``,
    ``"chik"``, ``"tube"``... (``arrow_sus.datasets()`` lists them)."""
    return scan(f"sinan-{disease.lower()}", uf, year, None, **kw)


__all__ = [
    "CACHE_FORMAT_ENV",
    "SOURCE_COLUMNS",
    "Scan",
    "scan",
    "scan_cnes",
    "scan_sia",
    "scan_sih",
    "scan_sim",
    "scan_sinan",
    "scan_sinasc",
]
