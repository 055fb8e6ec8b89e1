"""Writes DBF files for the tests (independently of the package), and decodes them the plain way."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import struct
import sys
from dataclasses import dataclass, field


@dataclass
class Field:
    name: str
    type: str
    width: int
    decimals: int = 0


@dataclass
class Dbf:
    fields: list[Field]
    records: list[list[bytes]]  # raw cell bytes (padded to the width by build())
    deleted: set[int] = field(default_factory=set)
    terminator: bytes = b"\r"
    padding: bytes = b""
    eof: bool = True
    header_count: int | None = None

    def build(self) -> bytes:
        record_length = 1 + sum(f.width for f in self.fields)
        header_length = 32 + 32 * len(self.fields) + 1 + len(self.padding)
        count = len(self.records) if self.header_count is None else self.header_count
        out = bytearray(struct.pack("<BBBBIHH20x", 3, 124, 5, 17, count, header_length, record_length))
        for f in self.fields:
            out += struct.pack("<11sc4xBB14x", f.name.encode(), f.type.encode(), f.width, f.decimals)
        out += self.terminator + self.padding
        for i, rec in enumerate(self.records):
            out += b"*" if i in self.deleted else b" "
            for f, cell in zip(self.fields, rec, strict=True):
                cell = cell[: f.width]
                out += cell.ljust(f.width) if f.type == "C" else cell.rjust(f.width)
        if self.eof:
            out += b"\x1a"
        return bytes(out)


_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)$")
_EXPONENT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")


def decode_cell(f: Field, raw: bytes, encoding: str = "latin-1") -> object:
    """The value a cell should read as, per the documented type rules (None for null/invalid)."""
    text = raw.rstrip(b" \x00")
    if f.type == "C":
        try:
            return text.decode(encoding) or None
        except UnicodeDecodeError:
            return None
    stripped = text.strip(b" \x00").decode("latin-1")
    if f.type in "NF":
        if not stripped:
            return None
        if _PLAIN.match(stripped):
            exact = decimal.Decimal(stripped)
            if f.type == "N" and f.decimals == 0:
                return int(exact) if exact == exact.to_integral_value() else None
            return float(stripped)
        if _EXPONENT.match(stripped) and not (f.type == "N" and f.decimals == 0):
            value = float(stripped)
            mantissa_is_zero = not any(c in "123456789" for c in stripped.lower().split("e")[0])
            underflow = abs(value) < sys.float_info.min and not mantissa_is_zero
            return None if math.isinf(value) or underflow else value  # out of range: invalid
        return None
    if f.type == "D":
        if not stripped or set(stripped) == {"0"}:
            return None
        try:
            if len(stripped) != 8 or not stripped.isdigit():
                return None
            return dt.date(int(stripped[:4]), int(stripped[4:6]), int(stripped[6:]))
        except ValueError:
            return None
    if f.type == "L":
        return {
            "T": True,
            "t": True,
            "Y": True,
            "y": True,
            "F": False,
            "f": False,
            "N": False,
            "n": False,
        }.get(stripped)
    return raw
