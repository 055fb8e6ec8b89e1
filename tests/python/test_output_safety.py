"""Nothing a user has is ever lost: every output target that is not arrow-sus's own survives byte for byte.

`get`, `convert`, `sql -o`, `Scan.to_parquet` and `dbc_to_dbf` are pointed at a directory with files, the
current directory, a file without suffix, files with unknown suffixes, the input file itself, a FIFO and (as
root) a character device made with mknod; each must refuse with a typed error and leave the target intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sih_cli_env
from scan_mirror import SIH_DIR
from typer.testing import CliRunner

import arrow_sus
from arrow_sus import InvalidArgumentError
from arrow_sus.cli import app

runner = CliRunner()
# The fixtures every test here runs with (a local SIH mirror as ARROW_SUS_SOURCE, a private cache, a temp cwd).
mirror = sih_cli_env.mirror
environment = sih_cli_env.environment


def _fingerprint(path: Path) -> object:
    """What must not change: a file's bytes, a directory's whole tree, a special file's type and inode."""
    st = os.lstat(path)
    if stat.S_ISREG(st.st_mode):
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if stat.S_ISDIR(st.st_mode):  # the cache (under the test's directory) may change meanwhile
        return sorted((str(p.relative_to(path)), _fingerprint(p)) for p in path.rglob("*") if "cache" not in p.parts)
    return (stat.S_IFMT(st.st_mode), st.st_ino, st.st_rdev)


def _user_files(tmp_path: Path, mirror: Path) -> dict[str, Path]:
    """The things a careless -o could destroy."""
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("Capítulo 1")
    (thesis / "data.csv").write_text("a,b\n1,2\n")
    (tmp_path / "notes").write_text("no suffix")
    (tmp_path / "a.xlsx").write_bytes(b"PK\x03\x04 a spreadsheet")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    targets = {
        "thesis": thesis,
        "thesis/": thesis,
        ".": tmp_path,
        "notes": tmp_path / "notes",
        "a.xlsx": tmp_path / "a.xlsx",
        "pipe": fifo,
        "input": mirror / SIH_DIR / "RDAC1301.dbc",
    }
    if os.geteuid() == 0:
        device = tmp_path / "null-device"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        targets["device"] = device
    return targets


def _target_argument(name: str, path: Path) -> str:
    return "thesis/" if name == "thesis/" else str(path) if name in ("input", "device", "pipe") else name


def test_get_never_destroys_what_the_user_has(tmp_path: Path, mirror: Path) -> None:
    targets = _user_files(tmp_path, mirror)
    before = {name: _fingerprint(path) for name, path in targets.items()}
    for name, path in targets.items():
        for extra in ([], ["--overwrite"], ["--format", "csv"], ["--format", "csv", "--overwrite"]):
            args = ["get", "sih-rd", "--uf", "AC", "--year", "2013", "-q", "-o", _target_argument(name, path)]
            result = runner.invoke(app, [*args, *extra])
            if name in ("notes", "a.xlsx") and "--overwrite" in extra and "--format" in extra:
                assert result.exit_code == 0, (name, extra, result.output)  # asked for explicitly
                continue
            assert result.exit_code == 2, (name, extra, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit)
            assert _fingerprint(path) == before[name], (name, extra)


def test_unknown_suffixes_are_errors_that_list_the_formats(tmp_path: Path) -> None:
    for name in ("notes", "a.xlsx", "RDAC2401.dbc"):
        result = runner.invoke(app, ["get", "sih-rd", "--uf", "AC", "--year", "2013", "-o", name])
        assert result.exit_code == 2
        assert "cannot tell the format" in result.output and "--format (parquet, arrow, csv, jsonl)" in result.output
        assert not (tmp_path / name).exists()


def test_an_output_arrow_sus_wrote_is_replaced_without_asking(tmp_path: Path) -> None:
    for output in ("rd.parquet", "parts/"):
        for _ in range(2):
            result = runner.invoke(app, ["get", "sih-rd", "--uf", "AC", "--year", "2013", "-q", "-o", output])
            assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "rd.parquet").num_rows > 0
    assert sorted(p.name for p in (tmp_path / "parts").iterdir()) == ["uf=AC"]
    # Nothing is left beside them (temporary files, the old directory moved aside).
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["parts", "rd.parquet"]


def test_a_file_the_user_put_in_an_output_directory_needs_overwrite(tmp_path: Path) -> None:
    args = ["get", "sih-rd", "--uf", "AC", "--year", "2013", "-q", "-o", "parts/"]
    assert runner.invoke(app, args).exit_code == 0
    (tmp_path / "parts" / "README.md").write_text("my notes")
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "README.md" in refused.output and "--overwrite" in refused.output
    assert (tmp_path / "parts" / "README.md").read_text() == "my notes"
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0


def test_partition_directories_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        result = runner.invoke(app, ["get", "sih-rd", "--year", "2013", "-q", "--partition-by", "uf", "-o", "p"])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    for path in [tmp_path / "p", *(tmp_path / "p").rglob("*")]:
        expected = 0o755 if path.is_dir() else 0o644
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_get_to_standard_output(tmp_path: Path) -> None:
    args = ["get", "sih-rd", "--uf", "AC", "--year", "2013", "-c", "SEXO,IDADE", "-o", "-"]
    csv = runner.invoke(app, [*args, "-q"])
    assert csv.exit_code == 0, csv.output
    assert csv.stdout.splitlines()[0] == '"SEXO","IDADE"'
    jsonl = runner.invoke(app, [*args, "-q", "--format", "jsonl"])
    assert set(json.loads(jsonl.stdout.splitlines()[0])) == {"SEXO", "IDADE"}
    summary = runner.invoke(app, [*args, "--format", "jsonl", "--json"])
    assert json.loads(summary.stderr)["rows"] == len(summary.stdout.splitlines())
    arrow = runner.invoke(app, [*args, "-q", "--format", "arrow"])
    table = pa.ipc.open_stream(arrow.stdout_bytes).read_all()
    assert table.column_names == ["SEXO", "IDADE"]
    parquet = runner.invoke(app, [*args, "--format", "parquet"])
    assert parquet.exit_code == 2 and "standard output" in parquet.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


def test_convert_never_writes_over_its_input_or_foreign_files(tmp_path: Path, mirror: Path) -> None:
    source = tmp_path / "RDAC1301.dbc"
    source.write_bytes((mirror / SIH_DIR / "RDAC1301.dbc").read_bytes())
    (tmp_path / "notes.csv").write_text("mine")
    before = {p: _fingerprint(p) for p in (source, tmp_path / "notes.csv")}
    for output, extra in (
        (str(source), ["--format", "csv", "--overwrite"]),
        ("notes.csv", []),
        ("notes", ["--overwrite"]),
    ):
        result = runner.invoke(app, ["convert", str(source), "-o", output, "-q", *extra])
        assert result.exit_code == 2, (output, result.output)
    assert {p: _fingerprint(p) for p in before} == before
    # A directory receives new files beside the user's (the directory itself is not replaced).
    assert runner.invoke(app, ["convert", str(source), "-o", ".", "-q"]).exit_code == 0
    assert (tmp_path / "RDAC1301.parquet").exists() and {p: _fingerprint(p) for p in before} == before
    result = runner.invoke(app, ["convert", str(source), "-o", "notes.csv", "-q", "--overwrite"])
    assert result.exit_code == 0 and (tmp_path / "notes.csv").read_text() != "mine"


def test_convert_refuses_two_inputs_with_one_output_name(tmp_path: Path, mirror: Path) -> None:
    for name in ("d1", "d2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "RDAC1301.dbc").write_bytes((mirror / SIH_DIR / "RDAC1301.dbc").read_bytes())
    args = ["convert", "d1/RDAC1301.dbc", "d2/RDAC1301.dbc", "-o", "out/", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "would both be written to" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_python_writers_follow_the_same_rule(tmp_path: Path, mirror: Path) -> None:
    s = arrow_sus.scan("sih-rd", uf="AC", year=2013)
    (tmp_path / "mine.parquet").write_bytes(b"not arrow-sus's")
    with pytest.raises(InvalidArgumentError, match="overwrite=True"):
        s.to_parquet(tmp_path / "mine.parquet")
    assert (tmp_path / "mine.parquet").read_bytes() == b"not arrow-sus's"
    assert s.to_parquet(tmp_path / "mine.parquet", overwrite=True)["rows"] > 0
    with pytest.raises(InvalidArgumentError, match="current directory"):
        s.to_parquet(".", partition_by=["uf"], overwrite=True)
    source = mirror / SIH_DIR / "RDAC1301.dbc"
    kept = source.read_bytes()
    with pytest.raises(InvalidArgumentError, match="one of the inputs"):
        arrow_sus.dbc_to_dbf(source, source, overwrite=True)
    assert source.read_bytes() == kept
    (tmp_path / "x.dbf").write_bytes(b"mine")
    with pytest.raises(InvalidArgumentError, match="did not write"):
        arrow_sus.dbc_to_dbf(source, tmp_path / "x.dbf")
    arrow_sus.dbc_to_dbf(source, tmp_path / "y.dbf")
    arrow_sus.dbc_to_dbf(source, tmp_path / "y.dbf")  # its own output: replaced
    with pytest.raises(InvalidArgumentError, match="keeps for itself"):
        arrow_sus.dbc_to_dbf(source, tmp_path / "cache" / "x.dbf")
