"""Network failures reach Python typed: a download that breaks while a scan streams is a NetworkError naming
the file (it used to surface as a plain OSError), and a server that accepts connections but never answers
fails after one timeout instead of the connect timeout times every retry."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from remote_servers import FtpServer, HttpServer, build_tree, synthetic_dbc

import arrow_sus
from arrow_sus import remote
from arrow_sus._native import _core

RDAC = "SIHSUS/200801_/Dados/RDAC2401.dbc"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return build_tree(tmp_path / "srv", {RDAC: synthetic_dbc(20_000, seed=7)}).parents[1]


@pytest.fixture
def one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scans give up at the first failure (the scan() option is the lead's to add; the engine takes it)."""
    real = _core.open_scan

    def open_scan(files: Any, url: str, read: Any, scan: Any, source: Any, **request: Any) -> Any:
        return real(files, url, read, scan, source.replace(max_attempts=1), **request)

    monkeypatch.setattr(_core, "open_scan", open_scan)


def test_a_transfer_dropped_mid_scan_is_a_network_error_naming_the_file(
    tree: Path, tmp_path: Path, one_attempt
) -> None:
    server = FtpServer(tree)
    try:
        server.faults.drop_after["RDAC2401.dbc"] = [60_000, 1_000]
        scan = arrow_sus.scan("sih-rd", uf="AC", year=2024, month=1, source=server.url, cache_dir=tmp_path / "c")
        with pytest.raises(arrow_sus.NetworkError) as err:
            scan.to_arrow()
        assert err.value.path == RDAC
        with pytest.raises(arrow_sus.NetworkError):
            for _ in scan.stream():
                pass
    finally:
        server.stop()


def test_an_http_mirror_gone_mid_scan_is_a_network_error_naming_the_file(
    tree: Path, tmp_path: Path, one_attempt
) -> None:
    server = HttpServer(tree)
    scan = arrow_sus.scan("sih-rd", uf="AC", year=2024, month=1, source=server.url, cache_dir=tmp_path / "c")
    assert scan.files().num_rows == 1  # planned (identity read) while the server was up
    server.stop()
    with pytest.raises(arrow_sus.NetworkError) as err:
        scan.to_arrow()
    assert err.value.path == RDAC


@pytest.fixture
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A TCP listener on 127.0.0.1 that accepts connections and never sends a byte."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


# An FTP server's greeting is bounded by either limit; an HTTP server's silence after the connection by
# `timeout` only (libcurl's connect phase ends with the TCP connection).
@pytest.mark.parametrize(
    ("scheme", "timeouts"),
    [("ftp", {"timeout": 1.0}), ("ftp", {"connect_timeout": 1.0}), ("http", {"timeout": 1.0})],
)
def test_a_server_that_never_answers_fails_after_one_timeout(
    silent_server: tuple[int, list[Any]], scheme: str, timeouts: dict[str, float]
) -> None:
    port, accepted = silent_server
    source = remote.open_source(f"{scheme}://127.0.0.1:{port}/x", initial_backoff=0.01, **timeouts)
    started = time.monotonic()
    with pytest.raises(arrow_sus.NetworkError, match="sent nothing") as err:
        remote.stat("SIHSUS/RDAC2401.dbc", source=source)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 4.0  # one timeout: not retried (6 attempts would take 6 s or more)
    assert len(accepted) == 1
    assert err.value.path == "SIHSUS/RDAC2401.dbc"


def test_timeouts_are_checked() -> None:
    with pytest.raises(arrow_sus.InvalidArgumentError, match="timeout"):
        remote.open_source("ftp://127.0.0.1:1/x", timeout=float("nan"))
    with pytest.raises(arrow_sus.InvalidArgumentError, match="connect_timeout"):
        remote.open_source("ftp://127.0.0.1:1/x", connect_timeout=-1)
