"""The reference tables compiled into the engine: their metadata and rows (offline, instant)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa

from arrow_sus._native import _core
from arrow_sus.errors import NotFoundError

#: Arrow type of each column type of data/reference/tables.json.
COLUMN_TYPES = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}


@dataclass(frozen=True)
class ReferenceColumn:
    """A column of a reference table, with its meaning."""

    name: str
    type: str
    description_en: str
    description_pt: str


@dataclass(frozen=True)
class ReferenceSource:
    """A corpus file a compiled-in table was made from (``records`` is ``None`` when only some fields were
    read)."""

    file: str
    sha256: str
    records: int | None


@dataclass(frozen=True)
class ReferenceInfo:
    """What a reference table is: its dataset, what the data dictionary calls its codes (``reference``: cid10,
    municipality...), its key (and how codes are normalised to it: ``key_kind``, see
    docs/reference.md), the columns a lookup adds by default, the datasets it is made from, its columns and
    the corpus files of its compiled-in copy."""

    dataset: str
    reference: str
    title_en: str
    title_pt: str
    key: str
    key_kind: str
    key_width: int
    lookup: tuple[str, ...]
    inputs: tuple[str, ...]
    columns: tuple[ReferenceColumn, ...]
    sources: tuple[ReferenceSource, ...]
    note: str
    rows: int

    @property
    def schema(self) -> pa.Schema:
        """The table's Arrow schema."""
        return pa.schema([(c.name, COLUMN_TYPES[c.type]) for c in self.columns])


def _info(raw: dict[str, Any]) -> ReferenceInfo:
    """The engine's metadata of a table (``_core.reference.tables()``) as a ReferenceInfo."""
    return ReferenceInfo(
        **{
            **raw,
            "lookup": tuple(raw["lookup"]),
            "inputs": tuple(raw["inputs"]),
            "columns": tuple(ReferenceColumn(*c) for c in raw["columns"]),
            "sources": tuple(ReferenceSource(*s) for s in raw["sources"]),
        }
    )


@cache
def _infos() -> dict[str, ReferenceInfo]:
    return {raw["dataset"]: _info(raw) for raw in _core.reference.tables()}


def compiled_info(dataset: str) -> ReferenceInfo | None:
    """The compiled-in table of an ``aux-*`` dataset (any case), or ``None`` when it has none."""
    return _infos().get(dataset.lower())


def compiled_datasets() -> list[str]:
    """The datasets with a compiled-in table."""
    return sorted(_infos())


def compiled_table(dataset: str) -> pa.Table:
    """The compiled-in table of ``dataset``; :class:`~arrow_sus.NotFoundError` when it has none."""
    if compiled_info(dataset) is None:
        raise NotFoundError(
            f"{dataset} has no compiled-in copy (tables with one: {', '.join(compiled_datasets())}); "
            "its server copy is read with refresh=True"
        )
    return pa.RecordBatchReader._import_from_c_capsule(_core.reference.compiled_table(dataset)).read_all()


__all__ = [
    "COLUMN_TYPES",
    "ReferenceColumn",
    "ReferenceInfo",
    "ReferenceSource",
    "compiled_datasets",
    "compiled_info",
    "compiled_table",
]
