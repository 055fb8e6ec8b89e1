"""A query built step by step — dataset, states, period — that refuses to run while a part is missing.

>>> import arrow_sus
>>> q = arrow_sus.Query.sih().group("RD").uf("SP").year(2023).month(1)
>>> q.collect()        # a Polars DataFrame; also .to_arrow(), .scan(), .files(), .explain()   # doctest: +SKIP

Which parts a query needs comes from the catalog's partitioning of its dataset (``arrow_sus.datasets()``,
columns ``periodicity`` and ``coverage``):

- files per state (coverage ``uf``): the states, ``.uf("SP")`` (a state, a list or ``"SP,RJ"``) or
  ``.all_ufs()``; datasets with state and national files (``both``) read every file without ``.uf()``;
  national datasets have no state to choose;
- periodic datasets (monthly or yearly): the years, ``.year(2023)`` (a year, a list, a ``range`` or
  ``"2019-2023"``);
- monthly datasets: the months, ``.month(1)`` (a month, a list, a ``range`` or ``"1-6"``) or ``.all_months()``;
- auxiliary tables and datasets without periods: nothing (states and years are optional).

Each stage of the builder has its own type, ``Query[U, Y, M]``, whose parameters say what it has of its states,
years and months (:class:`UfMissing`, :class:`UfGiven`...). The methods that run a query (``scan()``,
``collect()``, ``to_arrow()``...) only accept a complete stage, so mypy and pyright reject them on an incomplete
query before it runs::

    Query.sih().group("RD").uf("SP").year(2023).collect()
    # mypy: Invalid self argument "Query[UfGiven, YearGiven, MonthMissing]" to attribute function "collect"

The typed entry points are the systems whose datasets share one partitioning (:meth:`Query.sih`,
:meth:`Query.sia`, :meth:`Query.cnes`: monthly by state; :meth:`Query.sim`, :meth:`Query.sinasc`,
:meth:`Query.sinan`: yearly). :meth:`Query.system` (any system of the catalog) and :meth:`Query.dataset` (any
dataset id) are for dynamic code: their stages are ``Query[Any, Any, Any]``, and the same rules are checked when
the query runs, with the same errors (:class:`IncompleteQueryError`, :class:`QueryPartError`). A complete query
runs :func:`arrow_sus.scan` with its parts: the same files and the same plan.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

import pyarrow as pa

from arrow_sus._partitions import IntArg, UfArg, normalize_months, normalize_ufs, normalize_years
from arrow_sus.catalog import dataset_info
from arrow_sus.catalog import datasets as catalog_datasets
from arrow_sus.errors import InvalidArgumentError, NotFoundError
from arrow_sus.scan import Scan, scan

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl


# ---- what a stage has of each part: phantom types (never instantiated), the parameters of Query[U, Y, M] ----


class UfState:
    """What a query has of its states."""


class UfOpen(UfState):
    """States may still be chosen (``.uf()``, ``.all_ufs()``)."""


class UfDone(UfState):
    """Nothing more is needed about states."""


class UfMissing(UfOpen):
    """The dataset's files are per state and none was chosen: call ``.uf("SP")`` or ``.all_ufs()``."""


class UfOptional(UfOpen, UfDone):
    """The dataset has state and national files: without ``.uf()`` every file is read."""


class UfGiven(UfOpen, UfDone):
    """States chosen."""


class NoUf(UfDone):
    """A national dataset: it has no states to choose."""


class YearState:
    """What a query has of its years."""


class YearOpen(YearState):
    """Years may still be chosen (``.year()``)."""


class YearDone(YearState):
    """Nothing more is needed about years."""


class YearMissing(YearOpen):
    """A periodic dataset and no year chosen: call ``.year(2023)`` (or a list, a range, ``"2019-2023"``)."""


class YearOptional(YearOpen, YearDone):
    """A dataset without periods (an auxiliary table): years are optional."""


class YearGiven(YearOpen, YearDone):
    """Years chosen."""


class MonthState:
    """What a query has of its months."""


class MonthOpen(MonthState):
    """Months may still be chosen (``.month()``, ``.all_months()``)."""


class MonthDone(MonthState):
    """Nothing more is needed about months."""


class MonthMissing(MonthOpen):
    """A monthly dataset and no month chosen: call ``.month(1)`` (or a list, a range, ``"1-6"``) or
    ``.all_months()``."""


class MonthGiven(MonthOpen, MonthDone):
    """Months chosen."""


class NoMonth(MonthDone):
    """A yearly dataset (or one without periods): it has no months to choose."""


U = TypeVar("U", bound=UfState, covariant=True)
Y = TypeVar("Y", bound=YearState, covariant=True)
M = TypeVar("M", bound=MonthState, covariant=True)
_U = TypeVar("_U", bound=UfState)
_Y = TypeVar("_Y", bound=YearState)
_M = TypeVar("_M", bound=MonthState)
_Q = TypeVar("_Q", bound="Query[Any, Any, Any]")


# ---- errors ------------------------------------------------------------------------------------------------


class IncompleteQueryError(InvalidArgumentError):
    """A query was run while parts its dataset needs were missing; ``missing`` names them (``"uf"``,
    ``"year"``, ``"month"``) and the message says how to give each."""

    def __init__(self, dataset: str, missing: Sequence[str]) -> None:
        self.dataset = dataset
        self.missing = tuple(missing)
        fixes = "; ".join(f"{part}: {_FIXES[part]}" for part in self.missing)
        super().__init__(f"the query of {dataset} is incomplete, it needs {', '.join(self.missing)} ({fixes})")


class QueryPartError(InvalidArgumentError):
    """A part the query's dataset does not have (a month of a yearly dataset, a state of a national one);
    ``part`` names it."""

    def __init__(self, dataset: str, part: str, reason: str) -> None:
        self.dataset = dataset
        self.part = part
        super().__init__(f"{dataset} {reason}: leave .{part}() out")


#: How each part is given, for the messages.
_FIXES = {
    "uf": '.uf("SP") (a state, a list or "SP,RJ") or .all_ufs()',
    "year": '.year(2023) (a year, a list, a range or "2019-2023")',
    "month": '.month(1) (a month, a list, a range or "1-6") or .all_months()',
}


# ---- the catalog's partitioning of a dataset ---------------------------------------------------------------

Need = Literal["required", "optional", "none"]


@dataclass(frozen=True)
class Partitioning:
    """Which parts a dataset's query needs, from its catalog entry: each ``"required"``, ``"optional"`` or
    ``"none"`` (the dataset has no such partition)."""

    uf: Need
    year: Need
    month: Need

    @staticmethod
    def of(info: dict[str, Any]) -> Partitioning:
        """The partitioning of a dataset's catalog entry (:func:`arrow_sus.catalog.dataset_info`)."""
        if info["kind"] == "auxiliary":  # reference tables: states and years choose members, when they have any
            return Partitioning("optional", "optional", "none")
        coverage, periodicity = info["coverage"], info["periodicity"]
        uf: Need = "required" if coverage == "uf" else "optional" if coverage == "both" else "none"
        year: Need = "optional" if periodicity == "none" else "required"
        month: Need = "required" if periodicity == "monthly" else "none"
        return Partitioning(uf, year, month)


# ---- the builder -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parts:
    """What a query holds (``None``: not given; ``"all"``: every state or month, asked explicitly)."""

    dataset: str
    system: str
    periodicity: str
    coverage: str
    partitioning: Partitioning
    ufs: list[str] | Literal["all"] | None = None
    years: list[int] | None = None
    months: list[int] | Literal["all"] | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def missing(self) -> tuple[str, ...]:
        """The required parts not given, in the order uf, year, month."""
        given = {"uf": self.ufs, "year": self.years, "month": self.months}
        need = {"uf": self.partitioning.uf, "year": self.partitioning.year, "month": self.partitioning.month}
        return tuple(part for part in ("uf", "year", "month") if need[part] == "required" and given[part] is None)


class Query(Generic[U, Y, M]):
    """A query of one dataset, built step by step; see the module's documentation. Each method returns a new
    query (a query is immutable and can be reused as a template)."""

    def __init__(self, parts: _Parts) -> None:
        """Not called directly: start from :meth:`dataset`, :meth:`system` or a system (:meth:`sih`...)."""
        self._parts = parts

    # ---- entry points ----

    @staticmethod
    def dataset(dataset: str) -> Query[Any, Any, Any]:
        """A query of any dataset of the catalog (``"sih-rd"``; ``arrow_sus.datasets()`` lists them). Its parts
        are checked when it runs (its type, ``Query[Any, Any, Any]``, lets a type checker accept any)."""
        info = dataset_info(dataset)  # unknown ids raise NotFoundError with the closest ones
        parts = _Parts(
            dataset=info["id"],
            system=info["system"],
            periodicity=info["periodicity"],
            coverage=info["coverage"],
            partitioning=Partitioning.of(info),
        )
        return Query(parts)

    @staticmethod
    def system(system: str) -> SystemQuery[Query[Any, Any, Any]]:
        """A query of any system of the catalog (``"SIH"``, ``"PO"``, ``"IBGE"``...), whose group comes next."""
        return SystemQuery(_system_name(system))

    @staticmethod
    def sih() -> SystemQuery[Query[UfMissing, YearMissing, MonthMissing]]:
        """SIH hospital admissions (monthly files per state); next ``.group("RD")`` (RD, RJ, ER, SP, CH...)."""
        return SystemQuery("SIH")

    @staticmethod
    def sia() -> SystemQuery[Query[UfMissing, YearMissing, MonthMissing]]:
        """SIA outpatient production (monthly files per state); next ``.group("PA")`` (PA, BI, AB, AD...)."""
        return SystemQuery("SIA")

    @staticmethod
    def cnes() -> SystemQuery[Query[UfMissing, YearMissing, MonthMissing]]:
        """CNES health facilities (monthly files per state); next ``.group("ST")`` (ST, PF, EQ, LT...)."""
        return SystemQuery("CNES")

    @staticmethod
    def sim() -> SystemQuery[Query[UfOptional, YearMissing, NoMonth]]:
        """SIM mortality (yearly files, per state or national); next ``.group("DO")`` (DO, DOFET, DOINF...)."""
        return SystemQuery("SIM")

    @staticmethod
    def sinasc() -> SystemQuery[Query[UfOptional, YearMissing, NoMonth]]:
        """SINASC live births (yearly files, per state or national); next ``.group("DN")`` (DN, DNEX)."""
        return SystemQuery("SINASC")

    @staticmethod
    def sinan() -> SystemQuery[Query[UfOptional, YearMissing, NoMonth]]:
        """SINAN notifiable diseases (yearly files); next ``.group("DENG")``, the disease code (DENG, ZIKA...)."""
        return SystemQuery("SINAN")

    # ---- partitions ----

    def uf(self: Query[UfOpen, _Y, _M], uf: UfArg) -> Query[UfGiven, _Y, _M]:
        """The states: ``"SP"``, a list or ``"SP,RJ"`` (``"BR"``: the national files of a dataset that has
        both). Raises :class:`QueryPartError` for a national dataset."""
        if self._parts.partitioning.uf == "none":
            raise QueryPartError(self._parts.dataset, "uf", "is national: its files have no states")
        return self._replace(ufs=normalize_ufs(uf))

    def all_ufs(self: Query[UfOpen, _Y, _M]) -> Query[UfGiven, _Y, _M]:
        """Every state (and the national files, when the dataset has them)."""
        return self._replace(ufs="all")

    def year(self: Query[_U, YearOpen, _M], year: IntArg) -> Query[_U, YearGiven, _M]:
        """The years: ``2023``, a list, a ``range`` or ``"2019-2023"``."""
        years = normalize_years(year)
        if years is None:
            raise InvalidArgumentError("year is None: pass a year, a list, a range or '2019-2023'")
        return self._replace(years=years)

    def month(self: Query[_U, _Y, MonthOpen], month: IntArg) -> Query[_U, _Y, MonthGiven]:
        """The months: ``1``, a list, a ``range`` or ``"1-6"``. Raises :class:`QueryPartError` for a dataset
        without months."""
        self._check_has_months("month")
        months = normalize_months(month)
        if months is None:
            raise InvalidArgumentError("month is None: pass a month, a list, a range or '1-6', or use .all_months()")
        return self._replace(months=months)

    def all_months(self: Query[_U, _Y, MonthOpen]) -> Query[_U, _Y, MonthGiven]:
        """Every month of the years asked."""
        self._check_has_months("all_months")
        return self._replace(months="all")

    # ---- what is read and how (any stage) ----

    def columns(self: _Q, *names: str) -> _Q:
        """The columns to read, in this order (``scan(columns=...)``)."""
        return self._with_options(columns=list(names))

    def filters(self: _Q, filters: Any) -> _Q:
        """The rows to keep, in any form :func:`arrow_sus.scan` takes (``scan(filters=...)``)."""
        return self._with_options(filters=filters)

    def source(self: _Q, source: str) -> _Q:
        """Where the files are: ``ftp://...``, ``https://...``, ``s3://...`` or ``file:///mirror``."""
        return self._with_options(source=source)

    def options(self: _Q, **options: Any) -> _Q:
        """Any other keyword argument of :func:`arrow_sus.scan` (``labels=True``, ``cache=False``...)."""
        for name in ("uf", "year", "month", "dataset"):
            if name in options:
                raise InvalidArgumentError(f"{name} is a part of the query: use .{name}() instead of .options()")
        return self._with_options(**options)

    # ---- running it (complete stages only) ----

    def scan(self: Complete) -> Scan:
        """The query as a lazy :class:`arrow_sus.Scan` (planned now, read when consumed): exactly
        ``arrow_sus.scan(dataset, uf, year, month, **options)``. Raises :class:`IncompleteQueryError` when a
        part the dataset needs is missing (for queries built dynamically, which no type checker saw)."""
        parts = self._parts
        missing = parts.missing()
        if missing:
            raise IncompleteQueryError(parts.dataset, missing)
        ufs = None if parts.ufs == "all" else parts.ufs
        months = None if parts.months == "all" else parts.months
        return scan(parts.dataset, ufs, parts.years, months, **parts.options)

    def to_arrow(self: Complete) -> pa.Table:
        """Reads everything into a ``pyarrow.Table`` (:meth:`arrow_sus.Scan.to_arrow`)."""
        return self.scan().to_arrow()

    def to_polars(self: Complete) -> pl.DataFrame:
        """Reads everything into a Polars ``DataFrame`` (:meth:`arrow_sus.Scan.to_polars`)."""
        return self.scan().to_polars()

    def collect(self: Complete) -> pl.DataFrame:
        """Reads everything into a Polars ``DataFrame`` (the same as :meth:`to_polars`)."""
        return self.scan().to_polars()

    def to_pandas(self: Complete, **kwargs: Any) -> pd.DataFrame:
        """Reads everything into a pandas ``DataFrame`` (:meth:`arrow_sus.Scan.to_pandas`)."""
        return self.scan().to_pandas(**kwargs)

    def stream(self: Complete) -> Iterator[pa.RecordBatch]:
        """Iterates the record batches of a new pass (:meth:`arrow_sus.Scan.stream`)."""
        return self.scan().stream()

    def files(self: Complete) -> pa.Table:
        """The planned files (:meth:`arrow_sus.Scan.files`)."""
        return self.scan().files()

    def explain(self: Complete, format: str = "text") -> str:
        """The plan, before anything is read (:meth:`arrow_sus.Scan.explain`)."""
        return self.scan().explain(format)

    # ---- introspection ----

    @property
    def dataset_id(self) -> str:
        """The catalog id of the query's dataset."""
        return self._parts.dataset

    @property
    def partitioning(self) -> Partitioning:
        """Which parts the dataset needs (from the catalog)."""
        return self._parts.partitioning

    def missing(self) -> tuple[str, ...]:
        """The parts still needed before the query can run (``()`` when complete)."""
        return self._parts.missing()

    def is_complete(self) -> bool:
        """Whether the query can run."""
        return not self._parts.missing()

    def __repr__(self) -> str:
        p = self._parts
        shape = f"{p.system}, {p.periodicity}, coverage {p.coverage}"
        given = [
            f"{name}={_shown(value)}"
            for name, value in (("uf", p.ufs), ("year", p.years), ("month", p.months))
            if value is not None
        ]
        given += [f"{name}={value!r}" for name, value in p.options.items()]
        missing = p.missing()
        state = "complete" if not missing else "needs " + "; ".join(f"{m}: {_FIXES[m]}" for m in missing)
        return f"<arrow_sus.Query {p.dataset} ({shape}): {', '.join(given) or 'nothing given'} — {state}>"

    # ---- internals ----

    def _replace(self, **changes: Any) -> Query[Any, Any, Any]:
        return Query(replace(self._parts, **changes))

    def _with_options(self: _Q, **options: Any) -> _Q:
        return cast(_Q, Query(replace(self._parts, options={**self._parts.options, **options})))

    def _check_has_months(self, method: str) -> None:
        if self._parts.partitioning.month == "none":
            what = "is yearly" if self._parts.periodicity == "yearly" else "has no periods"
            raise QueryPartError(self._parts.dataset, method, f"{what}: its files have no months")


#: A stage with every part its dataset needs: the only one the methods that run a query accept.
Complete = Query[UfDone, YearDone, MonthDone]

_S = TypeVar("_S", bound=Query[Any, Any, Any], covariant=True)


class SystemQuery(Generic[_S]):
    """A query of a system whose group (the dataset within the system) comes next: ``.group("RD")``."""

    def __init__(self, system: str) -> None:
        """Not called directly: see :meth:`Query.system` and the systems (:meth:`Query.sih`...)."""
        self._system = system

    def group(self, group: str) -> _S:
        """The group (``"RD"`` for SIH's approved admissions, ``"DO"`` for SIM's deaths, a disease code for
        SINAN), any case. Raises :class:`~arrow_sus.NotFoundError` naming the system's groups otherwise."""
        groups = system_groups(self._system)
        chosen = groups.get(str(group).upper())
        if chosen is None:
            raise NotFoundError(f"{self._system} has no group {group!r}: its groups are {', '.join(groups)}")
        # The entry point's stage type states the partitioning of the system's datasets (checked against the
        # catalog by the tests); the runtime checks read the dataset's own.
        return cast(_S, Query.dataset(chosen))

    def groups(self) -> list[str]:
        """The system's groups, from the catalog."""
        return list(system_groups(self._system))

    def __repr__(self) -> str:
        return f"<arrow_sus.Query {self._system}: choose a group with .group(): {', '.join(self.groups())}>"


def system_groups(system: str) -> dict[str, str]:
    """A system's data groups (upper case) and their dataset ids, from the catalog."""
    table = catalog_datasets().select(["id", "system", "group", "kind"]).to_pylist()
    return {row["group"].upper(): row["id"] for row in table if row["system"] == system and row["kind"] == "data"}


def _system_name(system: str) -> str:
    """The catalog's spelling of a system; NotFoundError naming the systems otherwise."""
    systems = sorted({str(s) for s in catalog_datasets().column("system").to_pylist()})
    name = str(system).upper()
    if name not in systems:
        raise NotFoundError(f"unknown system {system!r}: the catalog's systems are {', '.join(systems)}")
    return name


def _shown(value: object) -> str:
    """A part's value in a repr: ``SP,RJ``, ``2019-2023`` for consecutive years, ``all``."""
    if value == "all" or not isinstance(value, list):
        return str(value)
    if len(value) > 2 and all(isinstance(v, int) for v in value) and value == list(range(value[0], value[-1] + 1)):
        return f"{value[0]}-{value[-1]}"
    return ",".join(str(v) for v in value)


__all__ = [
    "Complete",
    "IncompleteQueryError",
    "MonthDone",
    "MonthGiven",
    "MonthMissing",
    "MonthOpen",
    "MonthState",
    "NoMonth",
    "NoUf",
    "Partitioning",
    "Query",
    "QueryPartError",
    "SystemQuery",
    "UfDone",
    "UfGiven",
    "UfMissing",
    "UfOpen",
    "UfOptional",
    "UfState",
    "YearDone",
    "YearGiven",
    "YearMissing",
    "YearOpen",
    "YearOptional",
    "YearState",
    "system_groups",
]
