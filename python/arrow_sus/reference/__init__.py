"""Reference tables: municipalities, CID-10, CID-9, occupations, procedures, countries, establishments, states.

Each is the table of an auxiliary dataset (``aux-cadmun``, ``aux-cid10``...): a copy compiled into the engine
(made from the corpus by ``tools/make_reference.py``: offline, instant) and the server's current copy, read from
the DBF members of the TAB archives through the normal sources and the raw cache (``refresh=True`` /
:func:`refresh`). :func:`lookup` adds a table's description columns beside a code column of a pyarrow table, a
Polars frame or a scan. See docs/reference.md.

>>> import arrow_sus
>>> arrow_sus.reference_table("aux-cid10").slice(0, 2).to_pylist()[0]["description"]
'Colera'
>>> deaths = arrow_sus.scan("sim-do", uf="RJ", year=2022, columns=["SEXO", "CAUSABAS"])   # doctest: +SKIP
>>> arrow_sus.lookup(deaths, "CAUSABAS", "aux-cid10", columns=["chapter"]).to_polars()    # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa

from arrow_sus.catalog import dataset_info
from arrow_sus.errors import InvalidArgumentError
from arrow_sus.reference._build import build, conform
from arrow_sus.reference._compiled import (
    ReferenceColumn,
    ReferenceInfo,
    ReferenceSource,
    compiled_datasets,
    compiled_info,
    compiled_table,
)
from arrow_sus.reference._fetch import ArchiveTable, archive_tables, fetch_raw

if TYPE_CHECKING:
    from arrow_sus.remote import Source
    from arrow_sus.scan import Scan, _Options

Data = TypeVar("Data")


def info(dataset: str) -> ReferenceInfo | None:
    """What the compiled-in table of an ``aux-*`` dataset (or a dictionary reference name such as ``cid10``) is:
    key, lookup columns, columns with their meanings, sources; ``None`` for tables kept only on the server."""
    return compiled_info(resolve(dataset))


def tables() -> pa.Table:
    """Every compiled-in reference table, one row each: dataset, reference (the data dictionary's name for its
    codes), title, key, key_kind, lookup columns, rows, and the corpus files it was made from."""
    rows = []
    for dataset in compiled_datasets():
        ref = compiled_info(dataset)
        assert ref is not None
        rows.append(
            {
                "dataset": ref.dataset,
                "reference": ref.reference or None,
                "title": ref.title_en or None,
                "key": ref.key,
                "key_kind": ref.key_kind,
                "lookup": list(ref.lookup),
                "columns": [c.name for c in ref.columns],
                "rows": ref.rows,
                "sources": [s.file for s in ref.sources],
            }
        )
    return pa.Table.from_pylist(rows)


def resolve(reference: str) -> str:
    """The ``aux-*`` dataset id of ``reference``: a dataset id (any case) or what the data dictionary calls a
    table's codes (``municipality``, ``cid10``, ``cbo``...)."""
    for dataset in compiled_datasets():
        ref = compiled_info(dataset)
        if ref is not None and ref.reference and ref.reference == reference.lower():
            return dataset
    found = dataset_info(reference)  # unknown names raise with the closest ids
    if found["kind"] != "auxiliary":
        raise InvalidArgumentError(f"{found['id']} is not a reference table: use an aux-* dataset (e.g. aux-cid10)")
    return str(found["id"])


def _filter_ufs(table: pa.Table, dataset: str, ufs: list[str] | None) -> pa.Table:
    if not ufs:
        return table
    if "uf" not in table.column_names:
        raise InvalidArgumentError(f"{dataset} has no states: uf= does not apply to it")
    import pyarrow.compute as pc

    return table.filter(pc.is_in(table.column("uf"), value_set=pa.array(ufs, pa.string())))


def refresh(
    dataset: str,
    *,
    source: str | Source | None = None,
    uf: Any = None,
    year: Any = None,
    progress: bool = False,
    max_connections: int = 3,
) -> pa.Table:
    """The server's current copy of a reference table.

    Each DBF the table is made from (its ``aux-*`` dataset, and for CID-10 also the chapters) is read from the
    first of the catalog's archives for it that holds it (``arrow_sus.datasets()``, column ``auxiliary``),
    fetched from ``source`` (default ``$ARROW_SUS_SOURCE`` or the DATASUS FTP) through the raw cache, and turned
    into the table by the same code that made the compiled-in copy. ``uf`` / ``year`` choose the members of
    per-state and yearly tables (``CADGERAC``; without ``uf``, ``CADGERBR`` when the archive has it, else every
    state). The schema metadata ``arrow_sus.source`` names the archive and members read.

    Raises :class:`~arrow_sus.NotFoundError` when no listed archive holds the table, a
    :class:`~arrow_sus.FormatError` when its layout is not the one known, and the download's errors.
    """
    from arrow_sus._partitions import normalize_ufs, normalize_years
    from arrow_sus.remote import Source, open_source

    dataset = resolve(dataset)
    ufs, years = normalize_ufs(uf), normalize_years(year)
    src = source if isinstance(source, Source) else open_source(source, max_connections=max_connections)
    ref = compiled_info(dataset)
    inputs = ref.inputs if ref is not None else (dataset,)
    # States and years choose the members of the table's own dataset, not of the others it is made from.
    own = {"ufs": ufs, "years": years}
    raw = {i: fetch_raw(i, src, progress=progress, **(own if i == dataset else {})) for i in inputs}
    built = build(dataset, raw)
    table = conform(dataset, built, [(f.name, f.type) for f in ref.schema]) if ref is not None else built
    where = "; ".join(raw[i].schema.metadata[b"arrow_sus.source"].decode() for i in inputs)
    return table.replace_schema_metadata({"arrow_sus.reference": dataset, "arrow_sus.source": where})


#: :func:`refresh`, for the functions whose ``refresh`` argument hides it.
_server_copy = refresh


def reference_table(
    dataset: str,
    *,
    refresh: bool = False,
    source: str | Source | None = None,
    uf: Any = None,
    progress: bool = False,
) -> pa.Table:
    """A reference table as a ``pyarrow.Table``: the compiled-in copy (offline, instant), or with
    ``refresh=True`` the server's current copy (see :func:`arrow_sus.reference.refresh`). Tables without a
    compiled-in copy (per-state team and area lists, population projections...) are always read from the
    server. ``dataset`` is an ``aux-*`` id or a dictionary reference name (``cid10``, ``municipality``...);
    ``uf`` keeps the rows (or members) of those states."""
    from arrow_sus._partitions import normalize_ufs

    name = resolve(dataset)
    if refresh or compiled_info(name) is None:
        return _server_copy(name, source=source, uf=uf, progress=progress)
    return _filter_ufs(compiled_table(name), name, normalize_ufs(uf))


def reference_scan(
    info_: dict[str, Any],
    ufs: list[str] | None,
    years: list[int] | None,
    src: Source,
    options: _Options,
    *,
    refresh: bool = False,
) -> Scan:
    """``arrow_sus.scan`` of an ``aux-*`` dataset: its compiled-in table, or the server's (``refresh``, or a table
    without a compiled-in copy)."""
    from arrow_sus.reference._scan import ReferenceScan

    dataset = info_["id"]
    if compiled_info(dataset) is not None and not refresh:
        table, label = _filter_ufs(compiled_table(dataset), dataset, ufs), f"compiled-in {dataset}"
    else:
        table = _server_copy(dataset, source=src, uf=ufs, year=years)
        label = table.schema.metadata[b"arrow_sus.source"].decode()
    return ReferenceScan(dataset, table, label, src.url, options)


def lookup(
    data: Data,
    column: str,
    reference: str,
    columns: Sequence[str] | str | None = None,
    *,
    refresh: bool = False,
    source: str | Source | None = None,
) -> Data:
    """``data`` with a reference table's description columns beside its code column ``column``.

    Args:
        data: a ``pyarrow.Table`` or ``RecordBatch``, a Polars ``DataFrame`` or ``LazyFrame``, or an
            :class:`arrow_sus.Scan` (the result is the same kind; a scan or lazy frame stays lazy).
        column: the code column: text, integers or a dictionary of them (the categorical columns scans give;
            reference-coded columns such as CAUSABAS keep their codes under ``labels=True``).
        reference: an ``aux-*`` dataset (``"aux-cid10"``) or a dictionary reference name (``"cid10"``,
            ``"municipality"``, ``"cbo"``, ``"procedure"``, ``"cnes"``, ``"country"``...).
        columns: the reference's columns to add (default: its lookup columns, see :func:`info`), named
            ``<column>_<name>`` (``CAUSABAS_chapter``).
        refresh: match against the server's current copy instead of the compiled-in one.
        source: where the server's copy is read from (with ``refresh`` or for tables kept only there).

    The engine normalises the codes first (docs/reference.md): 6- and 7-digit municipality codes, numbers
    written with or without leading zeros, CID-10 codes with or without the dot or a filler 4th character (a
    3-character category matches its category row, a 4-character subcategory its own row, which also carries its
    category and chapter, or its category's row when the table lacks it). Codes the table lacks and nulls get
    nulls: every row is kept, in its place.

    Raises :class:`~arrow_sus.NotFoundError` for an unknown table (naming the closest ids) and
    :class:`~arrow_sus.InvalidArgumentError` for a data dataset, a column the table or the data lacks, an added
    name the data already has, or a code column that holds neither text nor integers.
    """
    from arrow_sus.reference._lookup import apply_to_lazy_frame, apply_to_table, make_lookup
    from arrow_sus.reference._scan import LookupScan
    from arrow_sus.scan import Scan

    name = resolve(reference)
    table = reference_table(name, refresh=refresh, source=source)
    ref = info(name) or _server_table_info(name, table)
    one = [make_lookup(column, ref, table, columns)]
    if isinstance(data, Scan):
        return LookupScan(data, one, [table])  # type: ignore[return-value]
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return apply_to_table(data, one)  # type: ignore[return-value]
    polars = _polars_kind(data)
    if polars == "DataFrame":
        import polars as pl

        return pl.from_arrow(apply_to_table(data.to_arrow(), one))  # type: ignore[attr-defined,return-value]
    if polars == "LazyFrame":
        return apply_to_lazy_frame(data, one, [table])  # type: ignore[arg-type,return-value]
    raise InvalidArgumentError(
        f"lookup works on a pyarrow Table or RecordBatch, a Polars DataFrame or LazyFrame, or an arrow_sus.Scan, "
        f"not {type(data).__name__}"
    )


def _server_table_info(dataset: str, table: pa.Table) -> ReferenceInfo:
    """A table kept only on the server: its first column is the key (text), the others its descriptions."""
    return ReferenceInfo(
        dataset=dataset, reference="", title_en="", title_pt="", key=table.column_names[0], key_kind="code",
        key_width=0, lookup=tuple(table.column_names[1:]), inputs=(dataset,), columns=(), sources=(), note="",
        rows=table.num_rows,
    )  # fmt: skip


def _polars_kind(data: object) -> str | None:
    """``"DataFrame"`` / ``"LazyFrame"`` for Polars frames (without importing Polars for other data)."""
    kind = type(data)
    return kind.__name__ if kind.__module__.startswith("polars") else None


__all__ = [
    "ArchiveTable",
    "ReferenceColumn",
    "ReferenceInfo",
    "ReferenceSource",
    "archive_tables",
    "info",
    "lookup",
    "reference_table",
    "refresh",
    "resolve",
    "tables",
]
