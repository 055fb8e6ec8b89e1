"""The .dbc container and DCL codec from Python: corpus, round trips, other decoders, bad input."""

from __future__ import annotations

import random
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import corpus_manifest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arrow_sus
from arrow_sus import codec

DBC_ROWS = [row for row in corpus_manifest() if row.path.suffix.lower() == ".dbc" and row.path.name != "not-a-dbc.dbc"]
REFERENCE = ["COLEBR15", "DIFTBR20", "PAIRBR06"]


def make_dbf(records: list[bytes], record_length: int) -> bytes:
    """A DBF with one character field, the given records and the 0x1A end byte."""
    header = bytearray(32)
    header[0] = 0x03
    struct.pack_into("<IHH", header, 4, len(records), 65, record_length)
    field = b"NAME".ljust(11, b"\0") + b"C" + bytes(4) + bytes([record_length - 1, 0]) + bytes(14)
    return bytes(header) + field + b"\r" + b"".join(records) + b"\x1a"


def dcl_to_dbc(dbf: bytes, stream: bytes) -> bytes:
    """A .dbc made of a DBF's header, its CRC and an already compressed record stream."""
    header_length = struct.unpack_from("<H", dbf, 8)[0]
    return dbf[:header_length] + struct.pack("<I", zlib.crc32(dbf)) + stream


def record_bytes(count: int, seed: int) -> list[bytes]:
    """`count` DBF-like records of 44 bytes (the record length the tests declare)."""
    rng = random.Random(seed)
    cities = [b"SAO PAULO", b"RIO BRANCO", b"MANAUS", b"RECIFE"]
    return [
        b" "
        + str(rng.randrange(1100000, 1100100)).encode()
        + b"2024%02d%02d" % (rng.randrange(1, 13), rng.randrange(1, 29))
        + rng.choice(cities).ljust(19)
        + str(rng.randrange(100000)).rjust(8).encode()
        + rng.choice([b"M", b"F"])
        for _ in range(count)
    ]


# ---- the real corpus ----


@pytest.mark.parametrize("row", DBC_ROWS, ids=lambda r: r.path.name)
def test_corpus_file_decompresses(corpus: Path, row) -> None:
    dbf = arrow_sus.decompress_dbc(row.path.read_bytes(), name=row.path.name)
    has_eof = not any(q.startswith("no 0x1A") for q in row.quirks)
    assert len(dbf) == row.header_len + row.records * row.record_len + has_eof
    assert struct.unpack_from("<H", dbf, 8)[0] == row.header_len


@pytest.mark.parametrize("stem", REFERENCE)
def test_reference_files_are_byte_identical(corpus: Path, stem: str, tmp_path: Path) -> None:
    expected = (corpus / f"{stem}.dbf").read_bytes()
    assert arrow_sus.decompress_dbc((corpus / f"{stem}.dbc").read_bytes()) == expected
    arrow_sus.dbc_to_dbf(corpus / f"{stem}.dbc", tmp_path / "out.dbf")
    assert (tmp_path / "out.dbf").read_bytes() == expected


def test_not_a_dbc_is_a_format_error(corpus: Path, tmp_path: Path) -> None:
    path = corpus / "not-a-dbc.dbc"
    with pytest.raises(arrow_sus.FormatError) as err:
        arrow_sus.dbc_to_dbf(path, tmp_path / "out.dbf")
    assert err.value.path == str(path)
    assert err.value.offset is not None
    assert not (tmp_path / "out.dbf").exists()
    assert list(tmp_path.iterdir()) == []


def test_truncated_corpus_file_names_offset(corpus: Path) -> None:
    data = (corpus / "DIFTBR20.dbc").read_bytes()
    for cut in range(0, len(data), 37):
        with pytest.raises(arrow_sus.FormatError) as err:
            arrow_sus.decompress_dbc(data[:cut], name="DIFTBR20.dbc")
        assert not isinstance(err.value, arrow_sus.ChecksumError)
        assert "DIFTBR20.dbc" in str(err.value)
        assert err.value.offset is not None and err.value.offset <= cut


def _pyreaddbc():
    """pyreaddbc (Mark Adler's blast inside), or skip."""
    return pytest.importorskip("pyreaddbc", reason="pyreaddbc is not installed")


@pytest.mark.parametrize("stem", ["RDAC2401", "PAIRBR06", "DOFET90"])
def test_matches_pyreaddbc_on_corpus(corpus: Path, stem: str, tmp_path: Path) -> None:
    blast = _pyreaddbc()
    src = next(corpus.glob(f"{stem}.[dD][bB][cC]"))
    blast.dbc2dbf(str(src), str(tmp_path / "blast.dbf"))
    assert arrow_sus.decompress_dbc(src.read_bytes()) == (tmp_path / "blast.dbf").read_bytes()


# ---- our encoder, checked by another decoder ----


@pytest.mark.parametrize("dictionary_bits", [4, 5, 6])
def test_pyreaddbc_decodes_our_dbc(dictionary_bits: int, tmp_path: Path) -> None:
    blast = _pyreaddbc()
    dbf = make_dbf(record_bytes(20000, dictionary_bits), 44)
    (tmp_path / "in.dbf").write_bytes(dbf)
    arrow_sus.dbf_to_dbc(tmp_path / "in.dbf", tmp_path / "ours.dbc", dictionary_bits=dictionary_bits)
    blast.dbc2dbf(str(tmp_path / "ours.dbc"), str(tmp_path / "blast.dbf"))
    assert (tmp_path / "blast.dbf").read_bytes() == dbf


@pytest.mark.parametrize("dictionary_bits", [4, 5, 6])
def test_pyreaddbc_decodes_coded_literals(dictionary_bits: int, tmp_path: Path) -> None:
    """Literal mode 1 never occurs in DATASUS files: this cross-check is its independent test."""
    blast = _pyreaddbc()
    rng = random.Random(dictionary_bits)
    records = [bytes(rng.randrange(256) for _ in range(30)) for _ in range(300)] + record_bytes(3000, 9)
    dbf = make_dbf([r[:30].ljust(30) for r in records], 30)
    stream = codec.dcl_compress(dbf[65:], dictionary_bits, coded_literals=True)
    assert stream[:2] == bytes([1, dictionary_bits])
    (tmp_path / "coded.dbc").write_bytes(dcl_to_dbc(dbf, stream))
    blast.dbc2dbf(str(tmp_path / "coded.dbc"), str(tmp_path / "blast.dbf"))
    assert (tmp_path / "blast.dbf").read_bytes() == dbf
    assert arrow_sus.decompress_dbc((tmp_path / "coded.dbc").read_bytes()) == dbf


# ---- round trips ----

DICTIONARY_BITS = st.sampled_from([4, 5, 6])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=20000), dictionary_bits=DICTIONARY_BITS, coded=st.booleans())
def test_random_bytes_round_trip(data: bytes, dictionary_bits: int, coded: bool) -> None:
    packed = codec.dcl_compress(data, dictionary_bits, coded_literals=coded)
    assert codec.dcl_decompress(packed) == data


@settings(max_examples=40, deadline=None)
@given(
    records=st.lists(st.text(alphabet="AB 019", min_size=12, max_size=12), max_size=300),
    dictionary_bits=DICTIONARY_BITS,
)
def test_dbf_shaped_records_round_trip(records: list[str], dictionary_bits: int) -> None:
    dbf = make_dbf([r.encode() for r in records], 12)
    dbc = arrow_sus.compress_dbf(dbf, dictionary_bits=dictionary_bits)
    assert dbc[:65] == dbf[:65]
    assert struct.unpack_from("<I", dbc, 65)[0] == zlib.crc32(dbf)
    assert arrow_sus.decompress_dbc(dbc) == dbf


@pytest.mark.parametrize("dictionary_bits", [4, 5, 6])
@pytest.mark.parametrize("size", [0, 1, 2, 4096, 3 * 1024 * 1024 + 17])
def test_sizes_round_trip(dictionary_bits: int, size: int) -> None:
    rng = random.Random(size)
    data = b"".join(record_bytes(size // 40 + 1, size))[:size]
    if size > 4096:  # half incompressible
        data = data[: size // 2] + rng.randbytes(size - size // 2)
    assert codec.dcl_decompress(codec.dcl_compress(data, dictionary_bits)) == data


def test_files_round_trip_with_path_types(tmp_path: Path) -> None:
    dbf = make_dbf(record_bytes(50000, 1), 44)
    (tmp_path / "a.dbf").write_bytes(dbf)
    arrow_sus.dbf_to_dbc(tmp_path / "a.dbf", str(tmp_path / "a.dbc"))
    arrow_sus.dbc_to_dbf(str(tmp_path / "a.dbc"), tmp_path / "b.dbf")
    assert (tmp_path / "b.dbf").read_bytes() == dbf
    assert (tmp_path / "a.dbc").read_bytes() == arrow_sus.compress_dbf(dbf)
    assert len((tmp_path / "a.dbc").read_bytes()) < len(dbf) / 3


def test_threads_convert_in_parallel(tmp_path: Path) -> None:
    dbfs = [make_dbf(record_bytes(20000, seed), 44) for seed in range(4)]
    dbcs = [arrow_sus.compress_dbf(d) for d in dbfs]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(arrow_sus.decompress_dbc, dbcs * 3))
    assert results == dbfs * 3


# ---- bad input ----


def test_bad_inputs_raise_typed_errors(tmp_path: Path) -> None:
    dbf = make_dbf(record_bytes(100, 2), 44)
    dbc = arrow_sus.compress_dbf(dbf)
    with pytest.raises(arrow_sus.FormatError):
        arrow_sus.decompress_dbc(b"")
    with pytest.raises(arrow_sus.FormatError):
        arrow_sus.decompress_dbc(b"not a dbc at all")
    past_end = dbc[:8] + b"\xff\xff" + dbc[10:]
    with pytest.raises(arrow_sus.FormatError) as err:
        arrow_sus.decompress_dbc(past_end, name="past.dbc")
    assert err.value.path == "past.dbc"

    bad_crc = dbc[:65] + bytes([dbc[65] ^ 0xFF]) + dbc[66:]
    with pytest.raises(arrow_sus.ChecksumError) as crc_err:
        arrow_sus.decompress_dbc(bad_crc, name="crc.dbc")
    assert f"0x{zlib.crc32(dbf):08X}" in str(crc_err.value)
    assert "crc.dbc" in str(crc_err.value)
    assert arrow_sus.decompress_dbc(bad_crc, verify_crc=False) == dbf
    (tmp_path / "crc.dbc").write_bytes(bad_crc)
    with pytest.raises(arrow_sus.ChecksumError):
        arrow_sus.dbc_to_dbf(tmp_path / "crc.dbc", tmp_path / "out.dbf")
    assert not (tmp_path / "out.dbf").exists()
    arrow_sus.dbc_to_dbf(tmp_path / "crc.dbc", tmp_path / "out.dbf", verify_crc=False)
    assert (tmp_path / "out.dbf").read_bytes() == dbf

    with pytest.raises(arrow_sus.NotFoundError):
        arrow_sus.dbc_to_dbf(tmp_path / "missing.dbc", tmp_path / "x.dbf")
    with pytest.raises(arrow_sus.InvalidArgumentError):
        codec.dcl_compress(b"abc", 7)
    with pytest.raises(arrow_sus.InvalidArgumentError):
        arrow_sus.compress_dbf(dbf, dictionary_bits=3)


def test_dcl_errors_name_offset() -> None:
    with pytest.raises(arrow_sus.FormatError) as err:
        codec.dcl_decompress(b"\x02\x06\x00")
    assert err.value.offset == 0
    with pytest.raises(arrow_sus.FormatError) as err:
        codec.dcl_decompress(b"\x00\x09\x00")
    assert err.value.offset == 1
    packed = codec.dcl_compress(b"hello world " * 100)
    with pytest.raises(arrow_sus.FormatError, match="truncated"):
        codec.dcl_decompress(packed[:-1], name="x.bin")
    assert codec.dcl_decompress(packed + b"\n trailing") == b"hello world " * 100


@settings(max_examples=200, deadline=None)
@given(garbage=st.binary(max_size=3000), header=st.sampled_from([b"\x00\x04", b"\x01\x05", b"\x00\x06"]))
def test_garbage_never_crashes(garbage: bytes, header: bytes) -> None:
    try:
        codec.dcl_decompress(header + garbage)
    except arrow_sus.FormatError as err:
        assert err.offset is not None and err.offset <= len(garbage) + 2


@pytest.mark.parametrize("announced", [907, 999, 1000, 1001, 50000])
def test_record_count_in_header_only_sizes_buffers(announced: int) -> None:
    """decompress_dbc returns every decompressed byte when the header's record count is too high, or too low
    by at most the 4 KiB of slack (93 records of 44 bytes)."""
    dbf = bytearray(make_dbf(record_bytes(1000, 3), 44))
    struct.pack_into("<I", dbf, 4, announced)
    assert arrow_sus.decompress_dbc(arrow_sus.compress_dbf(bytes(dbf))) == dbf


@pytest.mark.parametrize("announced", [0, 1, 10, 906])
def test_output_past_what_the_header_declares_is_a_format_error(announced: int, tmp_path: Path) -> None:
    """A header claiming fewer records than the stream holds (beyond the slack) used to inflate without bound
    (629 MB from a one-record header); every path now stops at the bound with the same FormatError."""
    dbf = bytearray(make_dbf(record_bytes(1000, 3), 44))
    struct.pack_into("<I", dbf, 4, announced)
    dbc = arrow_sus.compress_dbf(bytes(dbf))
    limit = 65 + announced * 44 + 1 + 4096
    with pytest.raises(arrow_sus.FormatError, match="the most its header allows") as err:
        arrow_sus.decompress_dbc(dbc, name="liar.dbc")
    assert (err.value.path, err.value.offset) == ("liar.dbc", limit)
    with pytest.raises(arrow_sus.FormatError) as read_err:
        arrow_sus.read_dbc(dbc)
    assert read_err.value.offset == limit
    src = tmp_path / "liar.dbc"
    src.write_bytes(dbc)
    with pytest.raises(arrow_sus.FormatError) as file_err:
        arrow_sus.dbc_to_dbf(src, tmp_path / "out.dbf")
    assert (file_err.value.path, file_err.value.offset) == (str(src), limit)
    assert not (tmp_path / "out.dbf").exists()
