"""Reference tables: municipalities, CID-10, CID-9, occupations, procedures, countries, establishments, states.

Each is the table of an auxiliary dataset (``aux-cadmun``, ``aux-cid10``...): a copy compiled into the engine
(made from the corpus by ``tools/make_reference.py``: offline, instant) and the server's current copy, read from
the DBF members of the TAB archives through the normal sources and the raw cache (``refresh=True`` /
:func:`refresh`). :func:`arrow_sus.lookup` (:mod:`arrow_sus.reference.lookups`) adds a table's description columns
beside a code column of a pyarrow table, a Polars frame or a scan. See docs/reference.md.

>>> import arrow_sus
>>> arrow_sus.reference_table("aux-cid10").slice(0, 2).to_pylist()[0]["description"]
'Colera'
>>> deaths = arrow_sus.scan("sim-do", uf="RJ", year=2022, columns=["SEXO", "CAUSABAS"])   # doctest: +SKIP
>>> arrow_sus.lookup(deaths, "CAUSABAS", "aux-cid10", columns=["chapter"]).to_polars()    # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from arrow_sus._options import SOURCE_DEFAULTS
from arrow_sus._partitions import normalize_ufs, normalize_years
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
from arrow_sus.remote import Source, open_source


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
    return table.filter(pc.is_in(table.column("uf"), value_set=pa.array(ufs, pa.string())))


def refresh(
    dataset: str,
    *,
    source: str | Source | None = None,
    uf: Any = None,
    year: Any = None,
    progress: bool = False,
    max_connections: int = SOURCE_DEFAULTS.max_connections,
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
    dataset = resolve(dataset)
    ufs, years = normalize_ufs(uf), normalize_years(year)
    src = source if isinstance(source, Source) else open_source(source, max_connections=max_connections)
    ref = compiled_info(dataset)
    inputs = ref.inputs if ref is not None else (dataset,)
    # States and years choose the members of the table's own dataset, not of the others it is made from.
    raw = {
        i: fetch_raw(
            i, src, progress=progress, ufs=ufs if i == dataset else None, years=years if i == dataset else None
        )
        for i in inputs
    }
    built = build(dataset, raw)
    # Builders exist for compiled tables only: a table without a compiled schema is its input as published.
    table = conform(dataset, built, [(f.name, f.type) for f in ref.schema]) if ref is not None else pa.table(built)
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
    name = resolve(dataset)
    if refresh or compiled_info(name) is None:
        return _server_copy(name, source=source, uf=uf, progress=progress)
    return _filter_ufs(compiled_table(name), name, normalize_ufs(uf))


def scan_table(
    dataset: str, ufs: list[str] | None, years: list[int] | None, source: Source, *, refresh: bool = False
) -> tuple[pa.Table, str]:
    """The table ``arrow_sus.scan`` of an ``aux-*`` dataset reads, and what it is (a label): its compiled-in table,
    or the server's (``refresh``, or a table without a compiled-in copy)."""
    if compiled_info(dataset) is not None and not refresh:
        return _filter_ufs(compiled_table(dataset), dataset, ufs), f"compiled-in {dataset}"
    table = _server_copy(dataset, source=source, uf=ufs, year=years)
    return table, table.schema.metadata[b"arrow_sus.source"].decode()


__all__ = [
    "ArchiveTable",
    "ReferenceColumn",
    "ReferenceInfo",
    "ReferenceSource",
    "archive_tables",
    "info",
    "reference_table",
    "refresh",
    "resolve",
    "scan_table",
    "tables",
]
