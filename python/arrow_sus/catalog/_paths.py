"""File names and server paths, both directions, and split-part selection (backed by the C++ catalog)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike, fspath

from arrow_sus._native import _core

#: Where dataset directories live on the DATASUS FTP; catalog paths start with it, source paths do not.
PUBLIC_PREFIX = "/dissemin/publicos/"


@dataclass(frozen=True)
class FileRef:
    """What a DATASUS file name says: its dataset and partition.

    ``preliminary`` and ``directory`` are ``None`` when a bare name fits several server directories of
    the same dataset (a SINAN name can live in FINAIS or PRELIM). ``part`` is ``None`` for a whole file,
    ``"a"``..``"z"`` or ``"_1"``.. for one split part of a month.
    """

    dataset: str
    uf: str | None
    year: int | None
    month: int | None
    part: str | None
    preliminary: bool | None
    directory: str | None
    name: str
    extension: str
    placeholder: bool
    canonical_path: str | None

    @property
    def partition(self) -> tuple[str | None, int | None, int | None]:
        """``(uf, year, month)``: the files of one partition hold the same records (whole or in parts)."""
        return (self.uf, self.year, self.month)


def parse_path(path_or_name: str | PathLike[str]) -> FileRef:
    """Parses a DATASUS file name or server path (case-insensitive).

    Raises :class:`arrow_sus.InvalidArgumentError` for a name the catalog does not know or that fits two
    datasets: the catalog never guesses.
    """
    return FileRef(**_core.catalog_parse_path(fspath(path_or_name)))


def try_parse_path(path_or_name: str | PathLike[str]) -> FileRef | None:
    """Like :func:`parse_path`, but returns ``None`` for an unrecognized or ambiguous name."""
    outcome, ref = _core.catalog_classify_many([fspath(path_or_name)])[0]
    return FileRef(**ref) if outcome == "matched" else None


def parse_paths(paths: Sequence[str]) -> list[FileRef | None]:
    """Parses many names at once (in C++, without the GIL); ``None`` where a name is not recognized."""
    return [
        FileRef(**ref) if outcome == "matched" else None for outcome, ref in _core.catalog_classify_many(list(paths))
    ]


def paths(
    dataset: str,
    uf: str | None = None,
    year: int | None = None,
    month: int | None = None,
    part: str | None = None,
) -> list[str]:
    """Candidate server paths of a dataset's file for a state (``None`` = national) and period.

    One path per server directory and name spelling that can hold that period (e.g. SINAN FINAIS and
    PRELIM, or ``LEIVBR22`` and the misnamed ``LEIBR22``). Names are canonical (upper case, the usual
    extension); the server's own spelling may differ in case. ``part`` asks for one split part.
    """
    return list(_core.catalog_paths(dataset, uf or "", year or 0, month or 0, part or ""))


def select_parts(paths_or_names: Sequence[str]) -> list[str]:
    """One complete, non-overlapping set of files per dataset, state, period and directory.

    A whole file wins over its split parts (the parts repeat its records); without a whole file all
    parts are kept and must run without gaps from ``a`` (or ``_1``), else :class:`arrow_sus.NotFoundError`
    names the missing part. Returns the chosen entries in input order.
    """
    items = list(paths_or_names)
    return [items[i] for i in _core.catalog_select_parts(items)]
