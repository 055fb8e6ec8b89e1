"""The FTP source against a local DATASUS-shaped server (IIS-style listings), with injected faults."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from remote_servers import PUBLIC_ROOT, FtpServer, IisStyleFS, build_tree, synthetic_dbc

import arrow_sus.remote as remote
from arrow_sus.errors import ChecksumError, FormatError, InvalidArgumentError, NetworkError, NotFoundError

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)

RD = "SIHSUS/200801_/Dados/RDAC2401.dbc"
BIG = "SIHSUS/200801_/Dados/RDSP2401.dbc"
AUX = "SIM/CID10/TABELAS/CID10.DBF"
MTIME = 1777300860  # 2026-04-27 14:41 UTC


def make_files() -> dict[str, bytes]:
    """A small DATASUS-shaped tree: two .dbc-shaped files and one plain auxiliary table."""
    return {
        RD: synthetic_dbc(1200, seed=1),
        BIG: synthetic_dbc(110_000, seed=2),
        AUX: os.urandom(20_000),
    }


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    files = make_files()
    build_tree(tmp_path / "srv", files, mtime=MTIME)
    return tmp_path / "srv", files


@pytest.fixture
def server(tree):
    srv = FtpServer(tree[0])
    yield srv
    srv.stop()


def fast_source(url: str, **overrides) -> remote.Source:
    """A source with test-sized timeouts and backoff."""
    options = dict(
        connect_timeout=2.0,
        low_speed_time=1.0,
        low_speed_bytes_per_second=1000,
        max_attempts=4,
        initial_backoff=0.02,
        max_backoff=0.1,
    )
    options.update(overrides)
    return remote.open_source(url, **options)


def no_partial_or_foreign_files(dest: Path, expected: set[str]) -> None:
    """Under dest, only verified files at their expected paths (bookkeeping lives in .arrow-sus)."""
    found = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file() and ".arrow-sus" not in p.parts}
    assert found == expected


def test_listing_is_parsed_from_iis_style(server, tree) -> None:
    src = fast_source(server.url)
    root = remote.list_dir("", src)
    assert {e.name for e in root} == {"SIHSUS", "SIM"} and all(e.is_dir for e in root)
    (entry,) = [e for e in remote.list_dir("SIHSUS/200801_/Dados", src) if e.name == "RDAC2401.dbc"]
    assert entry.size == len(tree[1][RD])
    # The listing shows Brasília local time; converted back it is the file's mtime, to the minute.
    assert int(entry.mtime.timestamp()) == MTIME // 60 * 60


def test_mlsd_listing(server) -> None:
    src = fast_source(server.url, list_command="MLSD")
    names = {e.name: e for e in remote.list_dir("SIHSUS/200801_/Dados", src)}
    assert names["RDAC2401.dbc"].mtime.timestamp() == MTIME


def test_stat_reads_size_mtime_records_and_crc(server, tree) -> None:
    ident = remote.stat(RD, fast_source(server.url))
    data = tree[1][RD]
    assert ident.size == len(data)
    assert int(ident.mtime.timestamp()) == MTIME  # MDTM is UTC
    assert ident.records == 1200
    assert ident.crc32 == int.from_bytes(data[129:133], "little")


def test_missing_file_is_not_found(server) -> None:
    with pytest.raises(NotFoundError, match="no such file on the server"):
        remote.stat("SIHSUS/200801_/Dados/RDZZ2401.dbc", fast_source(server.url))


def test_download_then_rerun_sends_no_retr(server, tree, tmp_path) -> None:
    src = fast_source(server.url)
    dest = tmp_path / "dest"
    first = remote.download_files([RD, AUX], dest, source=src, progress=False)
    assert len(first.downloaded) == 2 and first.ok
    assert (dest / RD).read_bytes() == tree[1][RD]
    assert (dest / AUX).read_bytes() == tree[1][AUX]
    retr_before = dict(server.faults.retr_count)
    again = remote.download_files([RD, AUX], dest, source=src, progress=False)
    assert len(again.up_to_date) == 2 and not again.downloaded
    assert again.bytes_fetched == 0
    # Size and mtime match the recorded identities: the record count and CRC of the .dbc are taken from the
    # record, and no data connection is opened at all.
    assert server.faults.retr_count == retr_before
    assert again.up_to_date[0].identity.records == 1200 or again.up_to_date[1].identity.records == 1200


def test_republished_file_is_fetched_again(server, tree, tmp_path) -> None:
    src = fast_source(server.url)
    dest = tmp_path / "dest"
    remote.download_files([RD], dest, source=src, progress=False)
    new = synthetic_dbc(1300, seed=3)
    target = tree[0] / PUBLIC_ROOT / RD
    target.write_bytes(new)
    os.utime(target, (MTIME + 3600, MTIME + 3600))
    summary = remote.download_files([RD], dest, source=src, progress=False)
    assert len(summary.downloaded) == 1
    assert (dest / RD).read_bytes() == new


def test_connection_dropped_once_is_resumed(server, tree, tmp_path) -> None:
    server.faults.drop_after["RDSP2401.dbc"] = [700_000, 1]
    summary = remote.download_files([BIG], tmp_path / "d", source=fast_source(server.url), progress=False)
    assert (tmp_path / "d" / BIG).read_bytes() == tree[1][BIG]
    # Only the missing tail was transferred again.
    assert summary.bytes_fetched == len(tree[1][BIG])


def test_connection_dropped_repeatedly_recovers_or_reports(server, tree, tmp_path) -> None:
    dest = tmp_path / "d"
    server.faults.drop_after["RDSP2401.dbc"] = [100_000, 2]
    remote.download_files([BIG], dest, source=fast_source(server.url, max_attempts=5), progress=False)
    assert (dest / BIG).read_bytes() == tree[1][BIG]

    # More drops than attempts: a clear error, nothing under the real name, then a later run finishes.
    (dest / BIG).unlink()
    remote.download_files([RD], dest, source=fast_source(server.url), progress=False)  # unrelated file ok
    os.utime(tree[0] / PUBLIC_ROOT / BIG, (MTIME + 60, MTIME + 60))  # force a new version
    server.faults.drop_after["RDSP2401.dbc"] = [50_000, 100]
    with pytest.raises(remote.IncompleteDownloadError) as info:
        remote.download_files([BIG], dest, source=fast_source(server.url, max_attempts=3), progress=False)
    (failure,) = info.value.summary.failed
    assert isinstance(failure.error, NetworkError) and "gave up after 3 attempts" in str(failure.error)
    no_partial_or_foreign_files(dest, {RD})
    server.faults.drop_after.clear()
    summary = remote.download_files([BIG], dest, source=fast_source(server.url), progress=False)
    assert summary.downloaded[0].resumed_from > 0
    assert (dest / BIG).read_bytes() == tree[1][BIG]


def test_stalled_transfer_times_out_and_resumes(server, tree, tmp_path) -> None:
    server.faults.stall_after["RDSP2401.dbc"] = [500_000, 3.0, 1]
    start = time.monotonic()
    remote.download_files([BIG], tmp_path / "d", source=fast_source(server.url), progress=False)
    assert (tmp_path / "d" / BIG).read_bytes() == tree[1][BIG]
    assert time.monotonic() - start < 10


def test_connection_limit_is_never_exceeded(tree, tmp_path) -> None:
    files = {f"SIM/DORES/DO{uf}2024.dbc": synthetic_dbc(2000, seed=uf) for uf in range(12)}
    build_tree(tree[0], files, mtime=MTIME)
    srv = FtpServer(tree[0], rate=400_000)
    try:
        summary = remote.download_files(
            list(files),
            tmp_path / "d",
            source=fast_source(srv.url, max_connections=3),
            progress=False,
            max_connections=3,
        )
        assert len(summary.downloaded) == 12
        assert srv.faults.max_connections_seen <= 3
    finally:
        srv.stop()


def test_server_refusing_connections_beyond_k_is_retried(tree, tmp_path) -> None:
    files = {f"SIM/DORES/DO{uf}2024.dbc": synthetic_dbc(2000, seed=uf) for uf in range(8)}
    build_tree(tree[0], files, mtime=MTIME)
    srv = FtpServer(tree[0], max_cons=3, rate=400_000)
    try:
        # The client allows 4 connections, the server 3 sockets (control and data channels alike): the
        # extra connections get 421 or 425 and are retried on fresh connections.
        src = fast_source(srv.url, max_connections=4, max_attempts=30, initial_backoff=0.05, max_backoff=0.2)
        summary = remote.download_files(list(files), tmp_path / "d", source=src, progress=False, max_connections=4)
        assert len(summary.downloaded) == 8
        for rel, data in files.items():
            assert (tmp_path / "d" / rel).read_bytes() == data
    finally:
        srv.stop()


def test_file_replaced_between_listing_and_download(server, tree, tmp_path) -> None:
    new = synthetic_dbc(77, seed=4)
    server.faults.replace_on_retr["RDAC2401.dbc"] = new  # lands when the header is first read
    summary = remote.download_files([RD], tmp_path / "d", source=fast_source(server.url), progress=False)
    assert (tmp_path / "d" / RD).read_bytes() == new
    assert summary.downloaded[0].identity.records == 77


def test_file_replaced_during_download_starts_over(server, tree, tmp_path) -> None:
    new = synthetic_dbc(99, seed=5)
    server.faults.drop_after["RDSP2401.dbc"] = [400_000, 1]
    src = fast_source(server.url)
    target = tree[0] / PUBLIC_ROOT / BIG

    def replace_when_dropped() -> None:
        while server.faults.drop_after["RDSP2401.dbc"][1] > 0:
            time.sleep(0.005)
        target.write_bytes(new)
        os.utime(target, (MTIME + 600, MTIME + 600))

    import threading

    t = threading.Thread(target=replace_when_dropped)
    t.start()
    src = fast_source(server.url, initial_backoff=0.3, max_backoff=0.3)
    summary = remote.download_files([BIG], tmp_path / "d", source=src, progress=False)
    t.join()
    assert (tmp_path / "d" / BIG).read_bytes() == new
    assert summary.downloaded[0].identity.records == 99


def test_truncated_file_on_server_is_reported_not_cached(server, tree, tmp_path) -> None:
    server.faults.truncate_at["RDSP2401.dbc"] = 1_000_000
    dest = tmp_path / "d"
    with pytest.raises(remote.IncompleteDownloadError) as info:
        remote.download_files([BIG], dest, source=fast_source(server.url, max_attempts=3), progress=False)
    assert "short transfer" in str(info.value)
    no_partial_or_foreign_files(dest, set())


def test_server_that_disappears_is_a_clear_error_then_resumes(tree, tmp_path) -> None:
    dest = tmp_path / "d"
    srv = FtpServer(tree[0], rate=500_000)
    try:
        src = fast_source(srv.url, max_attempts=2, connect_timeout=1.0)

        partial = dest / ".arrow-sus" / "partial" / BIG
        first_run_over = threading.Event()
        stopped_mid_transfer = threading.Event()

        def stop_soon() -> None:
            # Only while the first run lasts: a late stop must not cut the second run's server.
            while not first_run_over.is_set() and (not partial.exists() or partial.stat().st_size < 200_000):
                time.sleep(0.01)
            if not first_run_over.is_set():
                stopped_mid_transfer.set()
            srv.stop()

        stopper = threading.Thread(target=stop_soon)
        stopper.start()
        try:
            with pytest.raises(remote.IncompleteDownloadError) as info:
                remote.download_files([BIG], dest, source=src, progress=False)
        finally:
            first_run_over.set()
            stopper.join()
        error = info.value.summary.failed[0].error
        assert stopped_mid_transfer.is_set(), f"the first run failed before the server was stopped: {error!r}"
        assert isinstance(error, NetworkError)
        no_partial_or_foreign_files(dest, set())
    finally:
        srv.stop()
    again = FtpServer(tree[0])
    try:
        summary = remote.download_files([BIG], dest, source=fast_source(again.url), progress=False)
        assert summary.downloaded[0].resumed_from > 0
        assert (dest / BIG).read_bytes() == tree[1][BIG]
    finally:
        again.stop()


def test_download_killed_midway_is_resumed_by_next_run(tree, tmp_path) -> None:
    dest = tmp_path / "d"
    srv = FtpServer(tree[0], rate=400_000)
    try:
        script = textwrap.dedent(
            f"""
            import arrow_sus.remote as remote
            remote.download_files([{BIG!r}], {str(dest)!r}, source={srv.url!r}, progress=False)
            """
        )
        child = subprocess.Popen([sys.executable, "-c", script])
        partial = dest / ".arrow-sus" / "partial" / BIG
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not partial.exists() or partial.stat().st_size < 300_000):
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
        kept = partial.stat().st_size
        assert 0 < kept < len(tree[1][BIG])
        no_partial_or_foreign_files(dest, set())
    finally:
        srv.stop()
    again = FtpServer(tree[0])
    try:
        summary = remote.download_files([BIG], dest, source=fast_source(again.url), progress=False)
        assert summary.downloaded[0].resumed_from >= kept
        assert summary.bytes_fetched == len(tree[1][BIG]) - summary.downloaded[0].resumed_from
        assert (dest / BIG).read_bytes() == tree[1][BIG]
    finally:
        again.stop()


class EvilListingFS(IisStyleFS):
    """Adds names a hostile or broken server could send."""

    def format_list(self, basedir, listing, ignore_err=True):
        yield from super().format_list(basedir, listing, ignore_err)
        yield b"04-27-26  02:01PM                  100 ../../../../tmp/evil.dbc\r\n"


def test_unsafe_names_from_a_listing_are_refused(tree, tmp_path) -> None:
    srv = FtpServer(tree[0])
    srv.handler.abstracted_fs = EvilListingFS
    try:
        with pytest.raises(FormatError, match="unsafe name"):
            remote.list_dir("SIHSUS/200801_/Dados", fast_source(srv.url))
    finally:
        srv.stop()


@pytest.mark.parametrize("bad", ["../outside.dbc", "/etc/passwd", "SIM/../../x.dbc", ".arrow-sus/identity/x"])
def test_unsafe_paths_are_refused_and_nothing_is_written_outside(server, tmp_path, bad) -> None:
    dest = tmp_path / "dest"
    summary = remote.download_files([bad], dest, source=fast_source(server.url), progress=False, errors="collect")
    assert isinstance(summary.failed[0].error, InvalidArgumentError)
    assert not (tmp_path / "outside.dbc").exists()
    assert not dest.exists() or not any(p.is_file() for p in dest.rglob("*"))


def test_errors_collect_returns_partial_summary(server, tree, tmp_path) -> None:
    summary = remote.download_files(
        [RD, "SIHSUS/200801_/Dados/RDZZ2401.dbc"],
        tmp_path / "d",
        source=fast_source(server.url),
        progress=False,
        errors="collect",
    )
    assert len(summary.downloaded) == 1 and len(summary.failed) == 1
    assert isinstance(summary.failed[0].error, NotFoundError)
    assert "failed: 1" in str(summary)


def test_corrupt_file_on_server_is_retried_then_reported_never_cached(server, tree, tmp_path) -> None:
    data = bytearray(tree[1][BIG])
    data[len(data) // 2] ^= 0xFF  # same size, same header: only the full CRC-32 check can tell
    (tree[0] / PUBLIC_ROOT / BIG).write_bytes(bytes(data))
    os.utime(tree[0] / PUBLIC_ROOT / BIG, (MTIME, MTIME))
    dest = tmp_path / "d"
    with pytest.raises(remote.IncompleteDownloadError) as info:
        remote.download_files([BIG], dest, source=fast_source(server.url), progress=False)
    error = info.value.summary.failed[0].error
    assert isinstance(error, ChecksumError) and "no verified copy after 4 complete downloads" in str(error)
    assert server.faults.complete_retr >= 4  # each restart fetched the whole file again
    no_partial_or_foreign_files(dest, set())
    assert not (dest / ".arrow-sus" / "partial" / BIG).exists()
