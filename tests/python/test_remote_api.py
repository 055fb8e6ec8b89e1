"""Dataset-level remote API: live listings through the catalog, downloads by dataset, decoding while
downloading, the catalog crawl, and the CLI commands."""

from __future__ import annotations

import json
import logging

import pyarrow as pa
import pytest
from remote_servers import FtpServer, build_tree, synthetic_dbc
from typer.testing import CliRunner

import arrow_sus
import arrow_sus.remote as remote
from arrow_sus.cli import app
from arrow_sus.errors import NotFoundError

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)

DADOS = "SIHSUS/200801_/Dados"
FILES = {
    f"{DADOS}/RDAC2401.dbc": synthetic_dbc(3000, seed=1),
    f"{DADOS}/RDAC2402.dbc": synthetic_dbc(2000, seed=2),
    f"{DADOS}/RDSP2401.dbc": synthetic_dbc(4000, seed=3),
    f"{DADOS}/RJAC2401.dbc": synthetic_dbc(10, seed=4),  # another dataset (sih-rj) in the same directory
    "SIM/CID10/TABELAS/CID10.DBF": b"not a dataset file",
}
MTIME = 1777300860


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    build_tree(tmp_path / "srv", FILES, mtime=MTIME)
    srv = FtpServer(tmp_path / "srv")
    yield srv
    srv.stop()


def test_list_files_filters_by_dataset_uf_year_month(server) -> None:
    found = remote.list_files("sih-rd", uf="AC", year=2024, source=server.url)
    assert [f.path for f in found] == [f"{DADOS}/RDAC2401.dbc", f"{DADOS}/RDAC2402.dbc"]
    assert found[0].size == len(FILES[f"{DADOS}/RDAC2401.dbc"]) and found[0].month == 1
    assert [f.path for f in remote.list_files("sih-rd", month=[1], source=server.url)] == [
        f"{DADOS}/RDAC2401.dbc",
        f"{DADOS}/RDSP2401.dbc",
    ]
    assert remote.list_files("sih-rd", uf="RR", source=server.url) == []


def test_download_by_dataset_into_dest(server, tmp_path) -> None:
    summary = remote.download("sih-rd", uf=["AC", "SP"], month=1, dest=tmp_path / "out", source=server.url)
    assert len(summary.downloaded) == 2
    assert (tmp_path / "out" / DADOS / "RDSP2401.dbc").read_bytes() == FILES[f"{DADOS}/RDSP2401.dbc"]
    with pytest.raises(NotFoundError, match="no sih-rd files"):
        remote.download("sih-rd", uf="RR", dest=tmp_path / "out", source=server.url, progress=False)


def test_missing_file_names_the_nearest_candidates(server, tmp_path) -> None:
    summary = remote.download_files(
        [f"{DADOS}/RDAC2403.dbc"], tmp_path, source=server.url, progress=False, errors="collect"
    )
    assert "nearest on the server: RDAC2401.dbc" in str(summary.failed[0].error) or "RDAC2402.dbc" in str(
        summary.failed[0].error
    )


def test_decode_while_downloading_matches_local_read(server, tmp_path) -> None:
    rel = f"{DADOS}/RDSP2401.dbc"
    reader = remote.open_remote_dbc(rel, source=server.url, dest=tmp_path / "d", batch_size=500)
    table = reader.read_all()
    expected = arrow_sus.read_dbc(FILES[rel])
    assert table.num_rows == 4000
    assert table.equals(expected)
    del reader
    # The verified bytes were committed to the destination; a second read uses them.
    assert (tmp_path / "d" / rel).read_bytes() == FILES[rel]
    again = remote.open_remote_dbc(rel, source=server.url, dest=tmp_path / "d").read_all()
    assert again.equals(expected)


def test_stat_through_the_package(server) -> None:
    ident = remote.stat(f"{DADOS}/RDAC2401.dbc", source=server.url)
    assert ident.records == 3000 and ident.size == len(FILES[f"{DADOS}/RDAC2401.dbc"])


def test_crawl_and_refresh_the_catalog_index(server, tmp_path) -> None:
    entries = remote.crawl(server.url, datasets=["sih-rd"])
    paths = {e["path"] for e in entries}
    assert f"/dissemin/publicos/{DADOS}/RDAC2401.dbc" in paths
    assert all(e["mtime"].endswith("Z") for e in entries)
    index = remote.refresh_index(server.url, datasets=["sih-rd"])
    assert not index.builtin
    table: pa.Table = index.files
    rows = {r["path"]: r for r in table.to_pylist()}
    row = rows[f"/dissemin/publicos/{DADOS}/RDAC2401.dbc"]
    assert row["dataset"] == "sih-rd" and row["uf"] == "AC" and row["size"] == len(FILES[f"{DADOS}/RDAC2401.dbc"])
    assert (tmp_path / "cache" / "catalog" / "file-index.json").exists()


def test_cli_files_download_and_stat(server, tmp_path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["files", "sih-rd", "--uf", "AC", "--source", server.url, "--jsonl"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines() if line.strip().startswith("{")]
    assert {r["path"] for r in rows} == {f"{DADOS}/RDAC2401.dbc", f"{DADOS}/RDAC2402.dbc"}

    dest = tmp_path / "cli"
    args = ["download", "sih-rd", "--uf", "AC", "--month", "2", "--dest", str(dest), "--source", server.url]
    done = runner.invoke(app, [*args, "--no-progress"])
    assert done.exit_code == 0, done.output
    assert "downloaded: 1" in done.output
    assert (dest / DADOS / "RDAC2402.dbc").exists()
    again = runner.invoke(app, [*args, "--no-progress"])
    assert "up to date: 1" in again.output

    missing = runner.invoke(
        app, ["download", "--file", f"{DADOS}/RDZZ2401.dbc", "--dest", str(dest), "--source", server.url]
    )
    assert missing.exit_code == 1 and "failed: 1" in missing.output

    shown = runner.invoke(app, ["stat", f"{DADOS}/RDAC2401.dbc", "--source", server.url, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["records"] == 3000

    not_found = runner.invoke(app, ["stat", f"{DADOS}/NOPE.dbc", "--source", server.url])
    assert not_found.exit_code == 3


def test_download_progress_bar_runs(server, tmp_path, capsys) -> None:
    summary = remote.download_files([f"{DADOS}/RDAC2401.dbc"], tmp_path, source=server.url, progress=True)
    assert summary.ok
    assert "downloaded: 1" in capsys.readouterr().err
