"""Every file of the real DATASUS corpus reads, with the manifest's record counts, the header's fields, and
values equal cell by cell to an independent decoding: dbfread over the reference .dbf, or over pyreaddbc's
decompression of the .dbc."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import CorpusFile, corpus_manifest

import arrow_sus
from arrow_sus import errors

MANIFEST = corpus_manifest()
READABLE = [f for f in MANIFEST if f.records >= 0]


def _read(path: Path, **kwargs: Any) -> pa.Table:
    reader = arrow_sus.read_dbc if path.suffix.lower() == ".dbc" else arrow_sus.read_dbf
    return reader(path, **kwargs)


def _reference_dbf(entry: CorpusFile, tmp_path: Path) -> Path:
    """A plain DBF of the file that dbfread can open: pyreaddbc decompresses .dbc files, and the 0x00
    field-list terminator of CNES-ST files (which dbfread cannot parse) is rewritten as 0x0D."""
    if entry.path.suffix.lower() == ".dbc":
        import pyreaddbc

        out = tmp_path / (entry.path.stem + ".dbf")
        pyreaddbc.dbc2dbf(str(entry.path), str(out))
        data = bytearray(out.read_bytes())
    else:
        data = bytearray(entry.path.read_bytes())
    header_length = int.from_bytes(data[8:10], "little")
    pos = 32
    while pos + 32 <= header_length and data[pos] not in (0x0D, 0x00):
        pos += 32
    if pos < header_length:
        data[pos] = 0x0D
    out = tmp_path / "reference.dbf"
    out.write_bytes(bytes(data))
    return out


def _dbfread_records(path: Path) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    import dbfread

    class Lenient(dbfread.FieldParser):  # an unparsable value reads as null, as in arrow-sus
        def parse(self, field: Any, data: bytes) -> Any:
            try:
                return super().parse(field, data)
            except (ValueError, TypeError):
                return None

    table = dbfread.DBF(str(path), encoding="latin-1", parserclass=Lenient, char_decode_errors="strict")
    fields = [(f.name, f.type) for f in table.fields]
    return fields, list(table.records)


def _normalize(value: Any) -> Any:
    if value == "" or value is None:
        return None
    if isinstance(value, decimal.Decimal):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.date()
    return value


@pytest.mark.skipif(not MANIFEST, reason="DATASUS corpus not found: set ARROW_SUS_CORPUS")
@pytest.mark.parametrize("entry", READABLE, ids=[f.path.name for f in READABLE])
def test_corpus_file_matches_dbfread(entry: CorpusFile, tmp_path: Path) -> None:
    # The DBF's own types, cell by cell (the data dictionary's types are tested in test_labels_corpus.py).
    opener = arrow_sus.open_dbc if entry.path.suffix.lower() == ".dbc" else arrow_sus.open_dbf
    reader = opener(entry.path, typed=False, codes_as="string")
    table = reader.read_all()
    stats = arrow_sus.reader_stats(reader)
    assert stats["records_read"] == entry.records
    assert stats["record_count_difference"] == 0
    fields, records = _dbfread_records(_reference_dbf(entry, tmp_path))
    header = arrow_sus.reader_header(reader)
    # Names lose the trailing blanks some files pad them with (PSPR1501: "TIPPRE  ").
    assert [(name, type_) for name, type_, _, _ in header["fields"]] == [(n.rstrip(), t) for n, t in fields]
    assert table.num_rows == len(records)
    for name, _ in fields:
        ours = table.column(name.rstrip()).to_pylist()
        theirs = [_normalize(r[name]) for r in records]
        mismatches = [(i, a, b) for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
        assert not mismatches, (name, mismatches[:5])


@pytest.mark.skipif(not MANIFEST, reason="DATASUS corpus not found: set ARROW_SUS_CORPUS")
def test_not_a_dbc_is_rejected(corpus: Path) -> None:
    with pytest.raises(errors.FormatError) as info:
        arrow_sus.read_dbc(corpus / "not-a-dbc.dbc")
    assert info.value.path == str(corpus / "not-a-dbc.dbc")


@pytest.mark.skipif(not MANIFEST, reason="DATASUS corpus not found: set ARROW_SUS_CORPUS")
def test_reference_dbc_and_dbf_read_identically(corpus: Path) -> None:
    for stem in ("COLEBR15", "DIFTBR20", "PAIRBR06", "sids", "storm"):
        from_dbc = arrow_sus.read_dbc(corpus / f"{stem}.dbc")
        from_dbf = arrow_sus.read_dbf(corpus / f"{stem}.dbf")
        assert from_dbc.select(from_dbf.column_names).cast(from_dbf.schema).equals(from_dbf)
        assert from_dbc.schema.metadata[b"arrow_sus.crc32"]


FILTER_FILES = ["RDSC0907.dbc", "DOINF21.dbc", "PAAC2401.dbc", "ZIKABR16.DBC", "CADMUN.DBF", "STSC2501.dbc"]


def _decoded(table: pa.Table) -> pa.Table:
    """`table` with its coded columns (dictionaries) as their plain values: what filters compare."""
    return pa.table(
        {
            name: col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
            for name, col in zip(table.column_names, table.columns, strict=True)
        }
    )


def _predicates(table: pa.Table) -> list[Any]:
    """Predicates on real values of a few columns of each type (`table` decoded)."""
    preds: list[Any] = []
    for field in table.schema:
        col = table.column(field.name).drop_null()
        if len(col) == 0:
            continue
        value = col[len(col) // 2].as_py()
        if pa.types.is_string(field.type):
            preds += [
                (field.name, "=", value),
                (field.name, "starts_with", value[:2]),
                (field.name, "<", value),
            ]
        elif pa.types.is_integer(field.type) or pa.types.is_floating(field.type) or pa.types.is_date(field.type):
            preds += [(field.name, ">=", value), (field.name, "!=", value)]
        preds.append((field.name, "is_null"))
        if len(preds) > 24:
            break
    return preds


def _mask(table: pa.Table, pred: tuple[Any, ...]) -> Any:
    col = table.column(pred[0])
    if pred[1] == "is_null":
        return pc.is_null(col)
    fn = {"=": pc.equal, "!=": pc.not_equal, "<": pc.less, ">=": pc.greater_equal, "starts_with": None}[pred[1]]
    if fn is None:
        return pc.fill_null(pc.starts_with(col, pred[2]), False)
    return pc.fill_null(fn(col, pa.scalar(pred[2], type=col.type)), False)


@pytest.mark.skipif(not MANIFEST, reason="DATASUS corpus not found: set ARROW_SUS_CORPUS")
@pytest.mark.parametrize("name", FILTER_FILES)
def test_filters_on_the_corpus_equal_filtering_after_reading(corpus: Path, name: str) -> None:
    full = _decoded(_read(corpus / name))
    first = full.column_names[0]
    preds = _predicates(full)
    for a, b in itertools.pairwise(preds):
        for filters, mask in (
            ([a, b], pc.and_(_mask(full, a), _mask(full, b))),
            ([[a], [b]], pc.or_(_mask(full, a), _mask(full, b))),
        ):
            got = _decoded(_read(corpus / name, columns=[first], filters=filters, batch_size=4096))
            assert got.column(first).equals(full.filter(mask).column(first)), filters
