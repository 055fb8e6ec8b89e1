"""The DATASUS ``.dbc`` format and its PKWare DCL "implode" codec.

A ``.dbc`` is a dBase III DBF whose header is stored verbatim, followed by the CRC-32 of the whole
decompressed DBF and one DCL implode stream holding the records. These functions convert between
``.dbc`` and ``.dbf`` (files or bytes). All of them release the GIL while they work, so several
threads can convert files in parallel.

Errors are typed (:mod:`arrow_sus.errors`): corrupt or truncated data raises
:class:`~arrow_sus.errors.FormatError` with the file and byte offset, a CRC mismatch raises
:class:`~arrow_sus.errors.ChecksumError` naming the expected and actual values.
"""

from __future__ import annotations

import os

from arrow_sus._native import _core
from arrow_sus._output_target import OutputRules

__all__ = [
    "compress_dbf",
    "dbc_to_dbf",
    "dbf_to_dbc",
    "dcl_compress",
    "dcl_decompress",
    "decompress_dbc",
]

StrPath = str | os.PathLike[str]


def dbc_to_dbf(src: StrPath, dst: StrPath, *, verify_crc: bool = True, overwrite: bool = False) -> None:
    """Decompresses the ``.dbc`` file ``src`` into the DBF file ``dst``.

    The output is streamed (bounded memory) into a temporary file moved to ``dst`` at the end, so
    ``dst`` is never left half-written. An existing ``dst`` is replaced only when arrow-sus wrote it or
    ``overwrite`` is true (never ``src`` itself, a device, or a file in the cache). With ``verify_crc`` (the
    default) the CRC-32 stored in the ``.dbc`` is checked against the decompressed bytes.

    Raises:
        InvalidArgumentError: ``dst`` may not be written (see above).
        NotFoundError: ``src`` does not exist.
        FormatError: ``src`` is not a ``.dbc``, or is corrupt or truncated (the message gives the byte
            offset).
        ChecksumError: the stored CRC-32 does not match.
    """
    rules = OutputRules(overwrite=overwrite).native()
    _core.dbc_to_dbf(os.fspath(src), os.fspath(dst), verify_crc=verify_crc, **rules)


def dbf_to_dbc(src: StrPath, dst: StrPath, *, dictionary_bits: int = 6, overwrite: bool = False) -> None:
    """Compresses the DBF file ``src`` into the ``.dbc`` file ``dst`` (streamed, temp file + rename).

    ``dictionary_bits`` is the DCL window: 4, 5 or 6 for 1, 2 or 4 KiB (DATASUS uses 6). The result
    decodes with any DCL implementation (for example pyreaddbc / read.dbc). ``dst`` is replaced as in
    :func:`dbc_to_dbf`: only when arrow-sus wrote it or ``overwrite`` is true.

    Raises:
        InvalidArgumentError: ``dst`` may not be written, or ``dictionary_bits`` is not 4, 5 or 6.
        NotFoundError: ``src`` does not exist.
        FormatError: ``src`` does not start with a DBF header.
    """
    rules = OutputRules(overwrite=overwrite).native()
    _core.dbf_to_dbc(os.fspath(src), os.fspath(dst), dictionary_bits=dictionary_bits, **rules)


def decompress_dbc(data: bytes, *, verify_crc: bool = True, name: str = "<bytes>") -> bytes:
    """Returns the DBF (header, records, 0x1A when present) held in the ``.dbc`` bytes ``data``.

    ``name`` is used in error messages. Trailing bytes after the end of the compressed stream are
    ignored, as DATASUS files sometimes have them.

    The output may not pass what the header declares (header + records x record length + the 0x1A
    byte) by more than 4 KiB: a header that lies about its record count stops decoding with a
    :class:`FormatError` whose ``offset`` is that limit, instead of inflating without bound.

    Raises:
        FormatError: not a ``.dbc``, corrupt or truncated (with the byte offset), or more data than the
            header declares.
        ChecksumError: the stored CRC-32 does not match (only with ``verify_crc``).
    """
    return _core.decompress_dbc(bytes(data), verify_crc=verify_crc, name=name)


def compress_dbf(data: bytes, *, dictionary_bits: int = 6, name: str = "<bytes>") -> bytes:
    """Returns the ``.dbc`` bytes for the DBF bytes ``data`` (the inverse of :func:`decompress_dbc`).

    Raises:
        FormatError: ``data`` does not start with a DBF header.
        InvalidArgumentError: ``dictionary_bits`` is not 4, 5 or 6.
    """
    return _core.compress_dbf(bytes(data), dictionary_bits=dictionary_bits, name=name)


def dcl_compress(data: bytes, dictionary_bits: int = 6, *, coded_literals: bool = False) -> bytes:
    """Compresses ``data`` into a raw PKWare DCL implode stream (no ``.dbc`` container).

    ``coded_literals`` selects literal mode 1 (Huffman-coded literals); DATASUS files use mode 0.

    Raises:
        InvalidArgumentError: ``dictionary_bits`` is not 4, 5 or 6.
    """
    return _core.dcl_compress(bytes(data), dictionary_bits=dictionary_bits, coded_literals=coded_literals)


def dcl_decompress(data: bytes, *, name: str = "<bytes>") -> bytes:
    """Decompresses a raw PKWare DCL implode stream (any literal mode and dictionary size).

    Bytes after the end-of-stream code are ignored.

    Raises:
        FormatError: bad header, a copy reaching before the start of the data, or a stream that ends
            before its end code (with the byte offset).
    """
    return _core.dcl_decompress(bytes(data), name=name)
