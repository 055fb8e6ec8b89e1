"""The server's copies of the auxiliary tables: the DBF members of the TAB archives.

Which archives may hold a table is the catalog's ``auxiliary`` list of its ``aux-*`` dataset (docs/reference.md);
they are tried in that order, each fetched through the normal sources into the raw cache (reused while it is
the server's version, verified member by member when downloaded), and the first whose members the catalog
names as that dataset gives the table. Members are found by name wherever they sit in the archive
(``DBF/CADGERAC.dbf``) and read by the engine's ZIP and DBF readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from arrow_sus import remote
from arrow_sus._native import _core
from arrow_sus.catalog import dataset_info
from arrow_sus.errors import NotFoundError


@dataclass(frozen=True)
class ArchiveTable:
    """A member of a TAB archive that the catalog names as an auxiliary table (``uf`` for per-state tables,
    ``year`` for yearly ones)."""

    archive: str
    member: str
    dataset: str
    uf: str | None
    year: int | None


def archive_tables(local_path: str | Path, archive: str = "") -> list[ArchiveTable]:
    """The auxiliary tables inside a local ZIP archive (``archive`` names it: its server path)."""
    return [
        ArchiveTable(archive or str(local_path), t["member"], t["dataset"], t["uf"] or None, t["year"] or None)
        for t in _core.reference.archive_tables(str(local_path), archive)
    ]


def _chosen(
    tables: list[ArchiveTable], dataset: str, ufs: list[str] | None, years: list[int] | None
) -> list[ArchiveTable]:
    """The members giving ``dataset`` for the states and years asked (without states, a national member such
    as CADGERBR rather than every state's)."""
    mine = [t for t in tables if t.dataset == dataset and (not years or t.year in years)]
    if ufs:
        return [t for t in mine if t.uf in ufs]
    national = [t for t in mine if t.uf == "BR"]
    return national or mine


def _fetch_archive(path: str, src: remote.Source, progress: bool) -> Path:
    summary = remote.download_files([path], source=src, progress=progress, errors="collect")
    if summary.failed:
        raise summary.failed[0].error
    return (summary.downloaded + summary.up_to_date)[0].local_path


def fetch_raw(
    dataset: str,
    src: remote.Source,
    *,
    ufs: list[str] | None = None,
    years: list[int] | None = None,
    raw: bool = True,
    progress: bool = False,
) -> pa.Table:
    """The rows of ``dataset``'s members in the first of its archives that holds them (every field as text
    when ``raw``; schema metadata ``arrow_sus.source``: the archive and members read)."""
    info = dataset_info(dataset)
    tried: list[str] = []
    for path in info["auxiliary"]:
        if not path.lower().endswith(".zip"):
            continue
        try:
            local = _fetch_archive(path, src, progress)
        except NotFoundError as error:
            tried.append(f"{path} ({error})")
            continue
        chosen = _chosen(archive_tables(local, path), info["id"], ufs, years)
        if not chosen:
            tried.append(f"{path} (no {info['id']} member)")
            continue
        tables = [
            pa.RecordBatchReader._import_from_c_capsule(
                _core.reference.read_archive_table(str(local), t.member, info["encoding"], raw, path)
            ).read_all()
            for t in chosen
        ]
        table = pa.concat_tables(tables, promote_options="permissive")
        where = f"{src.url} {path}:" + ",".join(t.member for t in chosen)
        return table.replace_schema_metadata({"arrow_sus.reference": info["id"], "arrow_sus.source": where})
    wanted = f" for {', '.join(ufs)}" if ufs else ""
    raise NotFoundError(
        f"no {info['id']} table{wanted} on {src.url}: "
        + ("; ".join(tried) if tried else "the catalog names no archive holding it")
    )


__all__ = ["ArchiveTable", "archive_tables", "fetch_raw"]
