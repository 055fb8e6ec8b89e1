"""One executor model (issue 19): scans and downloads run on Arrow's CPU and IO thread pools, the source's
connection limit is the only cap on downloads, and ``use_threads=False`` runs on the calling thread.

Thread counts come from ``/proc/self/task`` of a child process, so the FTP server's own threads (one per
connection, in this process) do not count."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from remote_servers import PUBLIC_ROOT, FtpServer
from scan_mirror import build_sih_mirror

import arrow_sus.remote as remote

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc/self/task (Linux)")

SCAN = "arrow_sus.scan('sih-rd', source=url, uf=['AC', 'RJ', 'SP'], year=2013, batch_size=200, {extra})"


@pytest.fixture(scope="module")
def ftp_mirror(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("srv")
    files = build_sih_mirror(root / PUBLIC_ROOT, ufs=("AC", "RJ", "SP"), rows=3000)
    server = FtpServer(root, rate=2_000_000)
    yield server, files
    server.stop()


def run_child(code: str, *args: str) -> dict:
    """Runs `code` in a fresh interpreter (``args`` as ``sys.argv[1:]``); returns the JSON it prints last."""
    prelude = "import json, os, pathlib, sys, time, arrow_sus, arrow_sus.remote as remote\n"
    prelude += "def threads():\n    return len(os.listdir('/proc/self/task'))\n"
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_thread_count_returns_to_baseline_after_scans_and_downloads(ftp_mirror, tmp_path: Path) -> None:
    server, files = ftp_mirror
    code = f"""
        url, dest = sys.argv[1], sys.argv[2]
        paths = json.loads(sys.argv[3])
        def work(i):
            {SCAN.format(extra="cache=False")}.to_arrow()
            stream = {SCAN.format(extra="cache=False")}.stream()
            next(stream)
            stream.close()  # closed early, files still downloading
            remote.download_files(paths, f"{{dest}}/{{i}}", source=url, progress=False)
        work(0)  # starts Arrow's pools, whose threads stay as Arrow keeps them
        baseline = threads()
        for i in range(1, 4):
            work(i)
        print(json.dumps({{"baseline": baseline, "after": threads()}}))
    """
    counts = run_child(code, server.url, str(tmp_path / "d"), json.dumps([f.path for f in files]))
    assert counts["after"] <= counts["baseline"], counts


def test_use_threads_false_runs_on_the_calling_thread(ftp_mirror) -> None:
    server, files = ftp_mirror
    # Arrow's pools start their threads on their first task: with no task ever given, the process keeps
    # only its own thread (and whatever the interpreter started before the scan).
    code = f"""
        url = sys.argv[1]
        before = threads()
        most = before
        scan = {SCAN.format(extra="cache=False, use_threads=False")}
        rows = 0
        for batch in scan.stream():
            rows += batch.num_rows
            most = max(most, threads())
        print(json.dumps({{"before": before, "most": most, "after": threads(), "rows": rows}}))
    """
    counts = run_child(code, server.url)
    assert counts["rows"] == sum(f.rows for f in files if f.year == 2013)
    assert counts["most"] == counts["before"] == counts["after"], counts


def test_closing_a_scan_mid_stream_leaves_no_running_work(ftp_mirror, tmp_path: Path) -> None:
    server, _ = ftp_mirror
    code = f"""
        url = sys.argv[1]
        os.environ["ARROW_SUS_CACHE"] = sys.argv[2]
        stream = {SCAN.format(extra="cache=True, max_concurrent_files=3")}.stream()
        next(stream)
        stream.close()
        # Nothing reads from or writes to the cache once the stream is closed: its files stop changing.
        def snapshot():
            return sorted((str(p), p.stat().st_size) for p in pathlib.Path(sys.argv[2]).rglob("*") if p.is_file())
        first = snapshot()
        time.sleep(1.0)
        print(json.dumps({{"same": first == snapshot()}}))
    """
    result = run_child(code, server.url, str(tmp_path / "cache"))
    assert result["same"]


@pytest.mark.parametrize("limit", [1, 4])
def test_download_files_uses_the_connection_limit_and_no_other(tmp_path: Path, limit: int) -> None:
    root = tmp_path / "srv"
    files = build_sih_mirror(root / PUBLIC_ROOT, ufs=("AC", "AL", "RJ", "SP"), rows=2000)
    server = FtpServer(root, rate=300_000)  # slow transfers: the downloads overlap
    try:
        start = time.monotonic()
        summary = remote.download_files(
            [f.path for f in files], tmp_path / "d", source=server.url, progress=False, max_connections=limit
        )
        assert len(summary.downloaded) == len(files), summary
        assert time.monotonic() - start < 120
        assert server.faults.max_connections_seen == limit
    finally:
        server.stop()


def test_catalog_crawl_lists_within_the_connection_limit(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    build_sih_mirror(root / PUBLIC_ROOT, ufs=("AC",), periods=((2013, 1),), rows=50)
    server = FtpServer(root)
    try:
        source = remote.open_source(server.url, max_connections=2)
        entries = remote.crawl(source, datasets=["sih-rd"])
        assert any(e["path"].endswith("RDAC1301.dbc") for e in entries)
        assert 1 <= server.faults.max_connections_seen <= 2
    finally:
        server.stop()


def test_work_on_the_pools_never_owns_a_python_object(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Downloads running on Arrow's IO pool share the source's C++ owner, not a reference to its Python object: a
    pool thread dropping the last reference to a Python object takes the GIL, and that aborts the process when it
    happens during interpreter shutdown (seen as "terminate called without an active exception")."""
    files = build_sih_mirror(tmp_path / "srv" / PUBLIC_ROOT, ufs=("AC", "RJ"), rows=300)
    # A server of its own: after the module's other tests, the shared one made these downloads wait ~40 s.
    server = FtpServer(tmp_path / "srv")
    request.addfinalizer(server.stop)
    native = remote.open_source(server.url)._native
    before = sys.getrefcount(native)
    arriving = native.open(files[0].path, str(tmp_path / "open"))  # its download continues on the pool
    assert sys.getrefcount(native) == before
    arriving.close()
    native.download_many([f.path for f in files], str(tmp_path / "many"))
    native.list_many(["SIHSUS/200801_/Dados"])
    assert sys.getrefcount(native) == before
