"""``arrow-sus sql``: SQL over scans of the datasets a query names, run by DuckDB, DataFusion or Polars.

Each dataset the query names (``sih_rd`` for ``sih-rd``) is a table scanned for the states and periods of
``--uf``/``--year``/``--month``, or of its own ``--table sim_do:uf=AC,year=2022``; every table has the source
columns ``uf``, ``year``, ``month`` and ``file``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

import pyarrow as pa
import typer
from rich.table import Table

from arrow_sus._options import READ_DEFAULTS
from arrow_sus._output_target import OutputRules, is_stdout, output_format
from arrow_sus._partitions import normalize_months, normalize_ufs, normalize_years
from arrow_sus._writers import write_stream
from arrow_sus.backends import backend, datafusion_context, datafusion_table, table_name
from arrow_sus.catalog import dataset_info
from arrow_sus.cli._app import ExitCode, app, console, err_console, fail, reported_warnings
from arrow_sus.cli._options import (
    ConnectTimeoutOption,
    LabelLanguageOption,
    LabelsOption,
    MonthOption,
    OnTruncatedOption,
    OverwriteOption,
    SourceOption,
    TimeoutOption,
    TypedOption,
    UfOption,
    YearOption,
    labels_argument,
)
from arrow_sus.cli._output import print_json
from arrow_sus.cli.get import TABLE_FORMATS, CacheFormatOption, NoCacheOption
from arrow_sus.errors import ArrowSusError, InvalidArgumentError
from arrow_sus.scan import Scan, scan

#: The engines ``--engine`` takes; the first is the default.
ENGINES = ("duckdb", "datafusion", "polars")

#: The partitions a ``--table`` spec may give, with the check of each value (the one ``scan`` makes).
PARTITION_CHECKS: dict[str, Callable[[str], object]] = {
    "uf": normalize_ufs,
    "year": normalize_years,
    "month": normalize_months,
}

TABLE_EXAMPLE = "--table sim_do:uf=AC,year=2022"

TableOption = Annotated[
    list[str] | None,
    typer.Option(
        "--table",
        "-t",
        metavar="TABLE:uf=..,year=..,month=..",
        help="A dataset's own states and periods, e.g. sim_do:uf=AC,year=2022 or sinasc_dn:uf=SP,RJ,year=2019-2021 "
        "(what it leaves out comes from --uf/--year/--month). Repeatable: one per table.",
    ),
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        "-e",
        help="What runs the SQL: duckdb (streams the scans), datafusion (reads each table into memory first; "
        "pip install datafusion) or polars (pl.SQLContext over lazy scans, columns and filters pushed down). "
        "DataFusion and Polars match column names by case (SEXO, not sexo).",
    ),
]

_TABLE_NAMES = re.compile(r"\b(?:from|join)\s+([a-z][a-z0-9_]*)", re.IGNORECASE)


@dataclass(frozen=True)
class TableSpec:
    """One ``--table``: the SQL name, its dataset, and the partitions it gives (``uf``, ``year``, ``month``)."""

    name: str
    dataset: str
    partitions: dict[str, str]


def parse_table(spec: str) -> TableSpec:
    """A ``--table TABLE:uf=AC,year=2022`` spec. A value may hold commas (``uf=SP,RJ``): a part without ``=``
    continues the value before it. Raises :class:`~arrow_sus.InvalidArgumentError` naming ``--table``."""
    name, colon, rest = spec.partition(":")

    def invalid(why: str) -> InvalidArgumentError:
        return InvalidArgumentError(
            f"--table {spec!r}: {why} (expected TABLE:uf=..,year=..,month=.., e.g. {TABLE_EXAMPLE})"
        )

    if not name.strip():
        raise invalid("names no table")
    try:
        dataset = dataset_info(name.strip().replace("_", "-"))["id"]
    except ArrowSusError as error:
        raise invalid(str(error)) from None
    if colon and not rest.strip():
        raise invalid("gives no partition after ':'")
    partitions: dict[str, str] = {}
    key = None
    for part in rest.split(",") if rest.strip() else []:
        given, equals, value = part.partition("=")
        if equals:
            key = given.strip().lower()
            if key not in PARTITION_CHECKS:
                raise invalid(f"{given.strip()!r} is not a partition: give uf=, year= or month=")
            if key in partitions:
                raise invalid(f"{key}= is given twice")
            if not value.strip():
                raise invalid(f"{key}= has no value")
            partitions[key] = value.strip()
        elif key is not None and part.strip():
            partitions[key] += f",{part.strip()}"
        else:
            raise invalid(f"{part.strip()!r} is not NAME=VALUE")
    for key, value in partitions.items():
        try:
            PARTITION_CHECKS[key](value)
        except ArrowSusError as error:
            raise invalid(f"{key}={value}: {error}") from None
    return TableSpec(table_name(dataset), dataset, partitions)


def table_specs(specs: list[str]) -> dict[str, TableSpec]:
    """The ``--table`` options by SQL name; a table given twice raises naming ``--table``."""
    tables: dict[str, TableSpec] = {}
    for spec in specs:
        parsed = parse_table(spec)
        if parsed.name in tables:
            raise InvalidArgumentError(
                f"--table {parsed.name} is given twice: give each table once, e.g. {TABLE_EXAMPLE}"
            )
        tables[parsed.name] = parsed
    return tables


def _unique_names(names: list[str]) -> list[str]:
    """Column names made distinct the way DuckDB names a subquery's columns: ``a``, ``a_1``, ``a_2``..."""
    taken: set[str] = set()
    unique = []
    for name in names:
        candidate, n = name, 0
        while candidate in taken:
            n += 1
            candidate = f"{name}_{n}"
        taken.add(candidate)
        unique.append(candidate)
    return unique


class _Registered:
    """A scan registered as an engine's table. DuckDB and DataFusion read it through its Arrow stream and
    re-raise a failure as their own exception; the first arrow-sus error is kept here so the command can
    report it with its own exit code."""

    def __init__(self, scan: Scan) -> None:
        self.scan = scan
        self.error: ArrowSusError | None = None

    def _batches(self) -> Iterator[pa.RecordBatch]:
        try:
            yield from self.scan.stream()
        except ArrowSusError as error:
            self.error = self.error or error
            raise

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        reader = pa.RecordBatchReader.from_batches(self.scan.schema, self._batches())
        return reader.__arrow_c_stream__(requested_schema)


class _DuckDB:
    """DuckDB: reads each table's stream while the query runs (once per reference to it)."""

    def __init__(self) -> None:
        import duckdb

        self.errors: tuple[type[BaseException], ...] = (duckdb.Error,)
        self._con = duckdb.connect()

    def register(self, name: str, table: _Registered) -> None:
        self._con.register(name, table)

    def run(self, query: str) -> pa.Table:
        return self._con.sql(query).to_arrow_table()


class _DataFusion:
    """DataFusion: reads each table's stream into memory when it is registered (its 55 reads streams so)."""

    def __init__(self) -> None:
        # DataFusion raises its SQL and planning errors as ValueError, and a failed stream as Exception.
        self.errors: tuple[type[BaseException], ...] = (Exception,)
        self._ctx = datafusion_context()

    def register(self, name: str, table: _Registered) -> None:
        datafusion_table(table, name, self._ctx)

    def run(self, query: str) -> pa.Table:
        return self._ctx.sql(query).to_arrow_table()


class _Polars:
    """Polars: a ``SQLContext`` over the scans' LazyFrames; the columns and filters of the query are pushed
    into each scan, and a scan's error reaches here as itself."""

    def __init__(self) -> None:
        import polars as pl

        self.errors: tuple[type[BaseException], ...] = (pl.exceptions.PolarsError,)
        self._ctx = pl.SQLContext()

    def register(self, name: str, table: _Registered) -> None:
        self._ctx.register(name, table.scan.lazy())

    def run(self, query: str) -> pa.Table:
        return self._ctx.execute(query).collect().to_arrow()


def _engine(name: str) -> _DuckDB | _DataFusion | _Polars:
    """The engine ``--engine`` names, its package installed."""
    if name.lower() not in ENGINES:
        raise InvalidArgumentError(f"--engine must be one of {', '.join(repr(e) for e in ENGINES)}, not {name!r}")
    backend(name)  # a missing package raises, naming what to install
    engines: dict[str, type[_DuckDB | _DataFusion | _Polars]] = {
        "duckdb": _DuckDB,
        "datafusion": _DataFusion,
        "polars": _Polars,
    }
    return engines[name.lower()]()


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL; dataset ids are tables with _ for -, e.g. sih_rd.")],
    uf: UfOption = None,
    year: YearOption = None,
    month: MonthOption = None,
    table: TableOption = None,
    engine: EngineOption = ENGINES[0],
    source: SourceOption = None,
    no_cache: NoCacheOption = False,
    cache_format: CacheFormatOption = None,
    output: Annotated[
        str | None,
        typer.Option(
            "-o", "--output", help="Write the result to a .parquet, .arrow, .csv or .jsonl file (- for stdout)."
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="parquet, arrow, csv or jsonl (default: from the name).")
    ] = None,
    overwrite: OverwriteOption = False,
    typed: TypedOption = True,
    labels: LabelsOption = "codes",
    label_language: LabelLanguageOption = "pt",
    on_truncated: OnTruncatedOption = READ_DEFAULTS.on_truncated,
    connect_timeout: ConnectTimeoutOption = None,
    timeout: TimeoutOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON: an object with columns and rows.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Rows shown on screen (all are written with -o).")] = 50,
) -> None:
    """Run SQL over scans of the datasets the query names, for the given states and periods (per table with
    --table); every table has the source columns uf, year, month and file."""
    registered: list[_Registered] = []
    try:
        file_format = output_format(output, fmt, TABLE_FORMATS) if output is not None else None
        specs = table_specs(table or [])
        runner = _engine(engine)
        names = {m.group(1).lower() for m in _TABLE_NAMES.finditer(query)}
        for name in sorted(names | specs.keys()):
            spec = specs.get(name)
            if spec is None:
                try:
                    spec = TableSpec(name, dataset_info(name.replace("_", "-"))["id"], {})
                except ArrowSusError:
                    continue  # a table of the query itself (CTE, subquery alias), not a dataset
            s = scan(
                spec.dataset,
                spec.partitions.get("uf", uf),
                spec.partitions.get("year", year),
                spec.partitions.get("month", month),
                source=source,
                cache=not no_cache,
                cache_format=cache_format,  # type: ignore[arg-type]
                typed=typed,
                labels=labels_argument(labels),  # type: ignore[arg-type]
                label_language=label_language,  # type: ignore[arg-type]
                on_truncated=on_truncated,  # type: ignore[arg-type]
                connect_timeout=connect_timeout,
                timeout=timeout,
                with_source=True,
            )
            registered.append(_Registered(s))
        if not registered:
            raise InvalidArgumentError(
                "the query names no dataset: use a dataset id with _ for -, e.g. SELECT count(*) FROM sih_rd"
            )
        result = _run(runner, query, registered)
        result = result.rename_columns(_unique_names(result.column_names))
        if output is not None and file_format is not None:
            inputs = tuple(path for t in registered for path in t.scan.local_inputs())
            rules = OutputRules(overwrite=overwrite, inputs=inputs)
            write_stream(result.to_batches(), result.schema, output, file_format, rules=rules)
    except ArrowSusError as error:
        raise fail(error) from error
    _show(result, output, as_json, limit)


def _run(runner: _DuckDB | _DataFusion | _Polars, query: str, tables: list[_Registered]) -> pa.Table:
    """The query's result: ``tables`` registered on ``runner`` under their datasets' SQL names, then the query
    run. An arrow-sus error that failed the engine is raised as itself; another engine error ends the command
    as a usage error (the SQL is wrong)."""
    try:
        with reported_warnings():
            for t in tables:
                runner.register(table_name(t.scan.dataset), t)
            return runner.run(query)
    except ArrowSusError:
        raise
    except runner.errors as error:
        failed = next((t.error for t in tables if t.error is not None), None)
        if failed is not None:
            raise failed from error
        err_console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(ExitCode.USAGE) from error


def _show(result: pa.Table, output: str | None, as_json: bool, limit: int) -> None:
    """The result on screen: a table of its first ``limit`` rows, or JSON; nothing when it went to stdout."""
    if output is not None and is_stdout(output):
        return
    if as_json:
        print_json({"columns": result.column_names, "rows": result.to_pylist(), "row_count": result.num_rows})
        return
    view = Table(*result.column_names)
    shown = result.slice(0, limit)
    for i in range(shown.num_rows):
        view.add_row(*("" if (v := column[i].as_py()) is None else str(v) for column in shown.columns))
    console.print(view)
    if result.num_rows > limit:
        err_console.print(f"{result.num_rows:,} rows ({limit} shown)")
