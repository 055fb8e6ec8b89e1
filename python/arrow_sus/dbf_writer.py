"""Writing Arrow batches back to a dBase III ``.dbf`` (used by ``arrow-sus convert ... -o OUT.dbf``).

The writer takes batches read with ``raw=True`` (every field as its trimmed Latin-1 text) whose fields
carry the DBF metadata the reader attaches (``dbf.type``, ``dbf.width``, ``dbf.decimals``), pads each value
back to its width (text left-aligned, everything else right-aligned) and appends the records. Latin-1 maps
every byte to one character, so the record bytes come back exactly as they were read, trailing NULs
aside (written as blanks). The record count in the header is written when the writer is closed.
"""

from __future__ import annotations

import datetime as _dt
import struct
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from arrow_sus.errors import InvalidArgumentError

_TYPE_KEY = b"dbf.type"
_WIDTH_KEY = b"dbf.width"
_DECIMALS_KEY = b"dbf.decimals"


class DbfWriter:
    """Streams raw-mode record batches into a DBF file object (opened for binary writing, seekable)."""

    def __init__(self, sink: BinaryIO, schema: pa.Schema) -> None:
        self._sink = sink
        self._layout: list[tuple[str, str, int, int]] = []
        for f in schema:
            meta = f.metadata or {}
            if _TYPE_KEY not in meta or not (pa.types.is_string(f.type) or pa.types.is_large_string(f.type)):
                raise InvalidArgumentError(
                    f"column {f.name} has no DBF layout: .dbf output needs columns read from a DBF/DBC"
                )
            if len(f.name.encode("latin-1")) > 10:
                raise InvalidArgumentError(f"column name {f.name!r} is longer than the 10 bytes a DBF allows")
            self._layout.append((f.name, meta[_TYPE_KEY].decode(), int(meta[_WIDTH_KEY]), int(meta[_DECIMALS_KEY])))
        if not self._layout:
            raise InvalidArgumentError(".dbf output needs at least one column")
        self._record_length = 1 + sum(width for _, _, width, _ in self._layout)
        self._header_length = 32 + 32 * len(self._layout) + 1
        self._records = 0
        self._sink.write(self._header())

    def _header(self) -> bytes:
        today = _dt.date.today()
        out = bytearray(
            struct.pack(
                "<BBBBIHH20x",
                0x03,
                today.year - 1900,
                today.month,
                today.day,
                self._records,
                self._header_length,
                self._record_length,
            )
        )
        for name, type_, width, decimals in self._layout:
            out += struct.pack("<11sc4xBB14x", name.encode("latin-1"), type_.encode("latin-1"), width, decimals)
        return bytes(out + b"\r")

    def write_batch(self, batch: pa.RecordBatch) -> None:
        """Appends the batch's rows as records."""
        if batch.num_rows == 0:
            return
        cells: list[pa.Array] = [pa.array([" "] * batch.num_rows, pa.string())]
        for (_, type_, width, _), column in zip(self._layout, batch.columns, strict=True):
            if pa.types.is_large_string(column.type):  # read with large_strings=True: a batch fits int32 offsets
                column = column.cast(pa.string())
            text = pc.fill_null(column, "")
            pad = pc.utf8_rpad if type_ == "C" else pc.utf8_lpad
            cells.append(pad(text, width=width))
        records = pc.binary_join_element_wise(*cells, "")
        offsets = records.buffers()[1]  # int32 offsets: the records' text is [first, last) of the data
        first = int.from_bytes(offsets[records.offset * 4 : records.offset * 4 + 4], "little")
        end = (records.offset + len(records)) * 4
        last = int.from_bytes(offsets[end : end + 4], "little")
        data = records.buffers()[2].to_pybytes()[first:last]
        encoded = data.decode("utf-8").encode("latin-1")
        if len(encoded) != batch.num_rows * self._record_length:
            raise InvalidArgumentError("a value is wider than its DBF field: cannot write it back")
        self._sink.write(encoded)
        self._records += batch.num_rows

    def close(self) -> None:
        """Writes the end-of-file byte and the final record count into the header."""
        self._sink.write(b"\x1a")
        self._sink.seek(0)
        self._sink.write(self._header())
        self._sink.flush()


__all__ = ["DbfWriter"]
