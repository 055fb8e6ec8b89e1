"""One interface to the engines a scan can be handed to: ``scan.to("polars")``, ``"duckdb"``, ``"datafusion"``,
``"pandas"`` or ``"arrow"``.

>>> s = arrow_sus.scan("sih-rd", uf="AC", year=2023)   # doctest: +SKIP
>>> s.to("polars").filter(pl.col("IDADE_ANOS") >= 60).collect()   # projection and filter pushed into the scan
>>> s.to("duckdb").aggregate("count(*)")                           # a relation DuckDB can query again
>>> s.to("datafusion").to_arrow_table()                           # a table of a DataFusion SessionContext

Each backend is a small adapter over what the scan already offers (``lazy()``, ``to_duckdb()``, its Arrow
stream...), named in one registry, :data:`BACKENDS`, with the package it needs: an unknown name or a missing
package is a typed error that says what to install. Every backend returns the same rows for the same scan.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from arrow_sus.errors import InvalidArgumentError, MissingDependencyError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    from arrow_sus.scan import Scan

#: The names ``Scan.to`` accepts.
BackendName = Literal["arrow", "pandas", "polars", "duckdb", "datafusion"]


class ArrowStream(Protocol):
    """Anything that exports an Arrow C stream (the PyCapsule protocol): a scan, a ``pyarrow.RecordBatchReader``."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


@dataclass(frozen=True)
class Backend:
    """An engine a scan can be handed to: the module it imports, the distribution that provides it (what
    ``pip install`` takes), what it returns, and the adapter that hands it the scan."""

    name: str
    module: str
    package: str
    returns: str
    adapter: Callable[..., Any]


def table_name(dataset: str) -> str:
    """The SQL table name of a dataset: its id with ``_`` for ``-`` (``sih-rd`` → ``sih_rd``)."""
    return dataset.replace("-", "_")


def datafusion_table(stream: ArrowStream, name: str, ctx: Any = None) -> Any:
    """``stream`` as the table ``name`` of a DataFusion ``SessionContext`` (``ctx``, else a new
    :func:`datafusion_context`), returned as a DataFusion ``DataFrame``; SQL run on ``ctx`` can name the table.

    DataFusion (55) reads an Arrow stream when the table is registered (``SessionContext.from_arrow``): the scan
    runs once, here, and every later query on the table reads that copy in memory."""
    context = ctx if ctx is not None else datafusion_context()
    return context.from_arrow(stream, name)


def datafusion_context() -> Any:
    """A DataFusion ``SessionContext`` whose SQL keeps the case of names, as DATASUS columns are written
    (``SELECT SEXO``; DataFusion would otherwise read unquoted names as lower case)."""
    import datafusion

    config = datafusion.SessionConfig().set("datafusion.sql_parser.enable_ident_normalization", "false")
    return datafusion.SessionContext(config)


def _arrow(scan: Scan) -> pa.Table:
    return scan.to_arrow()


def _pandas(scan: Scan, **kwargs: Any) -> pd.DataFrame:
    return scan.to_pandas(**kwargs)


def _polars(scan: Scan) -> pl.LazyFrame:
    return scan.lazy()


def _duckdb(scan: Scan, con: duckdb.DuckDBPyConnection | None = None, name: str | None = None) -> Any:
    return scan.to_duckdb(con, name)


def _datafusion(scan: Scan, ctx: Any = None, name: str | None = None) -> Any:
    return datafusion_table(scan, name or table_name(scan.dataset), ctx)


#: The backends by name, in the order messages list them.
BACKENDS: dict[str, Backend] = {
    b.name: b
    for b in (
        Backend("arrow", "pyarrow", "pyarrow", "a pyarrow.Table", _arrow),
        Backend("pandas", "pandas", "pandas", "a pandas.DataFrame (kwargs go to pyarrow's to_pandas)", _pandas),
        Backend("polars", "polars", "polars", "a polars.LazyFrame, columns and filters pushed into the scan", _polars),
        Backend("duckdb", "duckdb", "duckdb", "a DuckDB relation, queried again on each use (con=, name=)", _duckdb),
        Backend(
            "datafusion", "datafusion", "datafusion", "a DataFusion DataFrame of a table (ctx=, name=)", _datafusion
        ),
    )
}


def backend(name: str) -> Backend:
    """The backend called ``name`` (any case), its package installed. Raises
    :class:`~arrow_sus.InvalidArgumentError` for an unknown name (the message lists the known ones) and
    :class:`~arrow_sus.MissingDependencyError` when its package is missing (the message says what to install)."""
    found = BACKENDS.get(name.lower()) if isinstance(name, str) else None
    if found is None:
        optional = [b.package for b in BACKENDS.values() if b.name != "arrow"]
        raise InvalidArgumentError(
            f"unknown backend {name!r}: expected one of {', '.join(repr(n) for n in BACKENDS)} ('arrow' needs "
            f"nothing more; the others their package: pip install {', '.join(optional[:-1])} or {optional[-1]})"
        )
    try:
        importlib.import_module(found.module)
    except ImportError as error:
        raise MissingDependencyError(
            f"backend {found.name!r} needs the {found.package} package, which is not installed: "
            f"pip install {found.package}"
        ) from error
    return found


def to_backend(scan: Scan, backend_name: str, /, **kwargs: Any) -> Any:
    """``scan`` handed to the backend ``backend_name`` (see :meth:`arrow_sus.Scan.to`). Options a backend does not take
    raise :class:`~arrow_sus.InvalidArgumentError` naming those it does."""
    found = backend(backend_name)
    try:
        inspect.signature(found.adapter).bind(scan, **kwargs)
    except TypeError:
        accepted = [p for p in inspect.signature(found.adapter).parameters if p != "scan"]
        raise InvalidArgumentError(
            f"backend {found.name!r} takes {', '.join(f'{p}=' for p in accepted) if accepted else 'no option'}, "
            f"not {', '.join(f'{k}=' for k in kwargs)}"
        ) from None
    return found.adapter(scan, **kwargs)


__all__ = [
    "BACKENDS",
    "ArrowStream",
    "Backend",
    "BackendName",
    "backend",
    "datafusion_context",
    "datafusion_table",
    "table_name",
    "to_backend",
]
