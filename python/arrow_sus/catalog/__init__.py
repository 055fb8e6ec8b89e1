"""The catalog of every DATASUS dataset and file (compiled into the engine from data/).

- :func:`parse_path` / :func:`paths`: file names and server paths, both directions;
- :func:`select_parts`: one complete, non-overlapping set of files per month;
- :func:`datasets`, :func:`describe`: the datasets and their data dictionaries; :func:`delivered_schema`: the
  Arrow schema a read delivers for a DBF field list;
- :func:`ufs`, :func:`municipalities` and their lookups;
- :func:`refresh`: a newer file index (see :mod:`arrow_sus.catalog.index`).
"""

from __future__ import annotations

from arrow_sus._native import _core
from arrow_sus.catalog._describe import DataDictionary, delivered_schema, describe
from arrow_sus.catalog._paths import (
    PUBLIC_PREFIX,
    FileRef,
    parse_path,
    parse_paths,
    paths,
    select_parts,
    try_parse_path,
)
from arrow_sus.catalog._tables import (
    Municipality,
    Uf,
    dataset_info,
    datasets,
    find_municipality,
    find_uf,
    municipalities,
    ufs,
)
from arrow_sus.catalog.index import FileIndex, current_index, index_from_listing, load_index, refresh


def version() -> str:
    """Version stamp of the compiled-in catalog (the date of the server listing it was reviewed against)."""
    return str(_core.catalog_version())


__all__ = [
    "PUBLIC_PREFIX",
    "DataDictionary",
    "FileIndex",
    "FileRef",
    "Municipality",
    "Uf",
    "current_index",
    "dataset_info",
    "datasets",
    "delivered_schema",
    "describe",
    "find_municipality",
    "find_uf",
    "index_from_listing",
    "load_index",
    "municipalities",
    "parse_path",
    "parse_paths",
    "paths",
    "refresh",
    "select_parts",
    "try_parse_path",
    "ufs",
    "version",
]
