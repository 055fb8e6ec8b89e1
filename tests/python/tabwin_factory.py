"""TabWin files in the documented layout (docs/labels.md, "TabWin files") and the TAB archives holding them,
written by the tests themselves."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping


def cnv(width: int, categories: Iterable[tuple[int, str, str]], *, declared: int | None = None) -> bytes:
    """A .CNV (Latin-1): the header, then one line per (number, label, codes): the number right-aligned in 7
    columns, two blanks, the label padded to 50 columns, a blank, the codes (column 61)."""
    rows = list(categories)
    count = declared if declared is not None else len({n for n, _, _ in rows})
    lines = [f"{count} {width}"] + [f"{number:>7}  {label:<50} {codes}" for number, label, codes in rows]
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


def definition(title: str, data_files: str, variables: Iterable[str]) -> bytes:
    """A .DEF (Latin-1): a title comment, the data-file pattern (an A line) and the variable lines as given."""
    return ("\r\n".join([f";{title}", f"A{data_files}", *variables]) + "\r\n").encode("latin-1")


def archive(members: Mapping[str, bytes]) -> bytes:
    """A ZIP archive (deflate) of the members, named as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


#: SIH's SEXO.CNV: a catch-all range first, refined by the codes below it (1 male, 3 female; 2 legacy).
SIH_SEXO = cnv(1, [(3, "Ignorado", "0-9"), (1, "Masculino", "1"), (2, "Feminino", "2,3")])
