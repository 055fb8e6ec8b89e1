"""``arrow-sus convert``: every output format, --columns, --where, directories, errors, no partial files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from dbf_factory import Dbf, Field
from typer.testing import CliRunner

import arrow_sus
from arrow_sus.cli import app

runner = CliRunner()


def _people(path: Path, n: int = 500) -> Path:
    dbf = Dbf(
        [Field("ID", "N", 6), Field("SEXO", "C", 1), Field("IDADE", "N", 3), Field("NOME", "C", 8)],
        [[str(i).encode(), str(1 + i % 3).encode(), str(i % 90).encode(), b"Jo\xe3o%d" % i] for i in range(n)],
    )
    path.write_bytes(dbf.build())
    return path


def test_convert_to_each_format(tmp_path: Path) -> None:
    src = _people(tmp_path / "people.dbf")
    expected = arrow_sus.read_dbf(src)
    for name in ("out.parquet", "out.arrow", "out.csv", "out.dbf"):
        result = runner.invoke(app, ["convert", str(src), "-o", str(tmp_path / name), "-q"])
        assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "out.parquet").to_pydict() == expected.to_pydict()
    with pa.memory_map(str(tmp_path / "out.arrow")) as source:
        assert pa.ipc.open_file(source).read_all().to_pydict() == expected.to_pydict()
    csv = pacsv.read_csv(tmp_path / "out.csv", convert_options=pacsv.ConvertOptions(column_types=expected.schema))
    assert csv.to_pydict() == expected.to_pydict()
    # DBF output reproduces the records byte for byte.
    original, copy = src.read_bytes(), (tmp_path / "out.dbf").read_bytes()
    assert copy[32:] == original[32:]
    assert copy[4:12] == original[4:12]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["people.dbf", "out.parquet", "out.arrow", "out.csv", "out.dbf"]
    )  # no temporary files left


def test_convert_with_columns_and_where(tmp_path: Path) -> None:
    src = _people(tmp_path / "people.dbf")
    out = tmp_path / "sel.parquet"
    result = runner.invoke(
        app,
        [
            "convert",
            str(src),
            "-o",
            str(out),
            "--columns",
            "ID,NOME",
            "--where",
            "SEXO = '3' and IDADE >= 60",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.column_names == ["ID", "NOME"]
    full = arrow_sus.read_dbf(src).to_pylist()
    assert table.column("ID").to_pylist() == [r["ID"] for r in full if r["SEXO"] == "3" and r["IDADE"] >= 60]


def test_convert_several_inputs(tmp_path: Path) -> None:
    a = _people(tmp_path / "a.dbf", 10)
    b = _people(tmp_path / "b.dbf", 20)
    result = runner.invoke(app, ["convert", str(a), str(b), "-o", str(tmp_path / "ab.parquet"), "-q"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "ab.parquet").num_rows == 30
    result = runner.invoke(app, ["convert", str(a), str(b), "-o", f"{tmp_path / 'dir'}/", "-f", "csv", "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "dir").iterdir()) == ["a.csv", "b.csv"]


def test_convert_errors_leave_nothing_behind(tmp_path: Path) -> None:
    src = _people(tmp_path / "people.dbf")
    result = runner.invoke(app, ["convert", str(src), "-o", str(tmp_path / "x.parquet"), "--columns", "NOPE"])
    assert result.exit_code == 2
    assert "available fields" in result.output
    result = runner.invoke(app, ["convert", str(src), "-o", str(tmp_path / "x.parquet"), "--where", "ID = "])
    assert result.exit_code == 2
    bad = tmp_path / "bad.dbf"
    bad.write_bytes(src.read_bytes()[:-7])  # truncated inside the last record
    result = runner.invoke(app, ["convert", str(bad), "-o", str(tmp_path / "y.parquet")])
    assert result.exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.dbf", "people.dbf"]


def test_parquet_output_gathers_small_batches_into_full_row_groups(tmp_path: Path) -> None:
    from arrow_sus._writers import write_stream

    batches = [pa.record_batch({"n": pa.array(range(i * 100, i * 100 + 100), pa.int32())}) for i in range(50)]
    out = tmp_path / "out.parquet"
    assert write_stream(batches, batches[0].schema, out, "parquet") == 5_000
    metadata = pq.ParquetFile(out).metadata
    assert metadata.num_row_groups == 1 and metadata.num_rows == 5_000
    assert pq.read_table(out).column("n").to_pylist() == list(range(5_000))


def test_a_failed_parquet_output_is_dropped_without_encoding_its_pending_batches(tmp_path: Path, monkeypatch) -> None:
    from arrow_sus import _writers
    from arrow_sus._output_target import OutputRules

    written: list[int] = []
    real_write_table = pq.ParquetWriter.write_table
    monkeypatch.setattr(
        pq.ParquetWriter,
        "write_table",
        lambda self, table, **kw: (written.append(table.num_rows), real_write_table(self, table, **kw)),
    )
    out = tmp_path / "out.parquet"
    out.write_bytes(b"what the user had")

    def failing():
        yield pa.record_batch({"n": pa.array(range(100), pa.int32())})
        raise KeyboardInterrupt

    schema = pa.schema([("n", pa.int32())])
    with pytest.raises(KeyboardInterrupt):
        _writers.write_stream(failing(), schema, out, "parquet", rules=OutputRules(overwrite=True))
    assert written == []  # the gathered batch was not encoded into a file about to be deleted
    assert out.read_bytes() == b"what the user had"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]
