"""A small DATASUS-shaped mirror for the scan tests, made from scratch (no corpus needed).

SIH-RD files for a few states and months, compressed with our own DCL encoder. The layout drifts like the
real one: from 2013 on, files gain a column (``CID_NOTIF``) and ``VAL_TOT`` is widened.
"""

from __future__ import annotations

import os
import random
import zlib
from dataclasses import dataclass
from pathlib import Path

from dbf_factory import Dbf, Field

from arrow_sus.codec import compress_dbf

SIH_DIR = "SIHSUS/200801_/Dados"
MTIME = 1777300860  # 2026-04-27 14:41 UTC


def sih_fields(year: int) -> list[Field]:
    fields = [
        Field("UF_ZI", "C", 6),
        Field("ANO_CMPT", "C", 4),
        Field("MES_CMPT", "C", 2),
        Field("SEXO", "C", 1),
        Field("IDADE", "N", 2),
        Field("DIAG_PRINC", "C", 4),
        Field("VAL_TOT", "N", 10 if year < 2013 else 12, 2),
        Field("DT_INTER", "C", 8),
        Field("MUNIC_RES", "C", 6),
    ]
    if year >= 2013:
        fields.append(Field("CID_NOTIF", "C", 4))
    return fields


@dataclass(frozen=True)
class MirrorFile:
    path: str  # relative to the mirror root
    uf: str
    year: int
    month: int
    rows: int


def sih_records(rng: random.Random, n: int, uf_code: str, year: int, month: int, fields: list[Field]) -> list:
    diags = ["I21", "I200", "J189", "A09", "O800", "I10", "C509", "    "]
    out = []
    for _ in range(n):
        row = [
            uf_code.encode(),
            str(year).encode(),
            f"{month:02d}".encode(),
            rng.choice([b"1", b"3", b"3", b" "]),
            rng.choice([str(rng.randrange(0, 100)).encode(), b"", b"**"]),
            rng.choice(diags).encode(),
            f"{rng.uniform(0, 9999):.2f}".encode(),
            f"{year}{month:02d}{rng.randrange(1, 29):02d}".encode(),
            f"{uf_code[:2]}{rng.randrange(0, 9999):04d}".encode(),
        ]
        if len(fields) > 9:
            row.append(rng.choice([b"A90", b"", b"B342"]))
        out.append(row)
    return out


UF_CODES = {"AC": "120000", "AL": "270000", "RJ": "330000", "SP": "350000"}


def build_sih_mirror(
    root: Path, ufs=("AC", "RJ"), periods=((2012, 12), (2013, 1), (2013, 2)), rows=300
) -> list[MirrorFile]:
    """Writes RD{UF}{YY}{MM}.dbc files under ``root`` (the mirror of /dissemin/publicos)."""
    made = []
    for uf in ufs:
        for year, month in periods:
            rng = random.Random(zlib.crc32(f"{uf}{year}{month}".encode()))
            fields = sih_fields(year)
            n = rows + rng.randrange(0, rows)
            dbf = Dbf(fields, sih_records(rng, n, UF_CODES[uf], year, month, fields)).build()
            rel = f"{SIH_DIR}/RD{uf}{year % 100:02d}{month:02d}.dbc"
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(compress_dbf(dbf))
            os.utime(target, (MTIME, MTIME))
            made.append(MirrorFile(rel, uf, year, month, n))
    return made
