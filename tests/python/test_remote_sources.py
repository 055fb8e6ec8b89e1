"""Every source scheme (ftp, http, file, s3) passes the same listing, stat, read and download tests."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from remote_servers import PUBLIC_ROOT, FtpServer, HttpServer, build_tree, synthetic_dbc

import arrow_sus.remote as remote
from arrow_sus.errors import InvalidArgumentError, NotFoundError

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)

RD = "SIHSUS/200801_/Dados/RDAC2401.dbc"
AUX = "SIM/CID10/TABELAS/CID 10.DBF"  # a space: names are escaped in URLs
MTIME = 1777300860
FILES = {RD: synthetic_dbc(8000, seed=1), AUX: os.urandom(5_000)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("srv")
    build_tree(root, FILES, mtime=MTIME)
    return root


@pytest.fixture(scope="module")
def s3_url(tree) -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1")
        client.create_bucket(Bucket="datasus")
        for rel, data in FILES.items():
            client.put_object(Bucket="datasus", Key=f"{PUBLIC_ROOT}/{rel}", Body=data)
        yield f"s3://datasus/{PUBLIC_ROOT}?endpoint_override=127.0.0.1:{port}&scheme=http&region=us-east-1"
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(params=["ftp", "http", "file", "s3"])
def source(request, tree) -> Iterator[remote.Source]:
    options = dict(connect_timeout=2.0, timeout=2.0, max_attempts=2, initial_backoff=0.02)
    if request.param == "ftp":
        srv = FtpServer(tree)
        yield remote.open_source(srv.url, **options)
        srv.stop()
    elif request.param == "http":
        http = HttpServer(tree)
        yield remote.open_source(http.url, **options)
        http.stop()
    elif request.param == "file":
        yield remote.open_source((tree / PUBLIC_ROOT).as_uri(), **options)
    else:
        yield remote.open_source(request.getfixturevalue("s3_url"), **options)


def test_list_root_and_dataset_directory(source) -> None:
    root = remote.list_dir("", source)
    assert {(e.name, e.is_dir) for e in root} == {("SIHSUS", True), ("SIM", True)}
    (entry,) = remote.list_dir("SIHSUS/200801_/Dados", source)
    assert (entry.name, entry.size, entry.is_dir) == ("RDAC2401.dbc", len(FILES[RD]), False)
    if not source.url.startswith("s3://"):  # S3 keeps the upload time, not the file's mtime
        assert entry.mtime is not None and abs(entry.mtime.timestamp() - MTIME) < 60
    (aux,) = remote.list_dir("SIM/CID10/TABELAS", source)
    assert aux.name == "CID 10.DBF" and aux.size == len(FILES[AUX])


def test_stat_and_identity(source) -> None:
    ident = remote.stat(RD, source)
    assert ident.size == len(FILES[RD]) and ident.records == 8000
    assert ident.crc32 == int.from_bytes(FILES[RD][129:133], "little")
    assert remote.stat(AUX, source).records is None


def test_ranged_reads(source) -> None:
    native = source._native
    assert native.read_range(RD, 0, 32) == FILES[RD][:32]
    assert native.read_range(RD, 1000, 5000) == FILES[RD][1000:6000]
    assert native.read_range(RD, len(FILES[RD]) - 10, 100) == FILES[RD][-10:]
    assert native.read_range(AUX, 0, 10_000) == FILES[AUX]


def test_download_is_identical_and_then_up_to_date(source, tmp_path) -> None:
    summary = remote.download_files([RD, AUX], tmp_path, source=source, progress=False)
    assert len(summary.downloaded) == 2
    for rel, data in FILES.items():
        assert (tmp_path / rel).read_bytes() == data
    again = remote.download_files([RD, AUX], tmp_path, source=source, progress=False)
    assert len(again.up_to_date) == 2


def test_missing_file_is_not_found(source) -> None:
    with pytest.raises(NotFoundError):
        remote.stat("SIHSUS/200801_/Dados/NOPE2401.dbc", source)


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="unsupported source scheme"):
        remote.open_source("gopher://example/x")


def test_arrow_sus_source_env_selects_the_default(monkeypatch, tree) -> None:
    url = (tree / PUBLIC_ROOT).as_uri()
    monkeypatch.setenv("ARROW_SUS_SOURCE", url)
    assert remote.default_source_url() == url
    assert remote.stat(RD).size == len(FILES[RD])
