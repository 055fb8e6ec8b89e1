"""One cache shared by many processes and threads filling it at once from a local FTP server, temporary files
left by killed writers, and memory-mapped tables that outlive their cache entry."""

from __future__ import annotations

import json
import logging
import multiprocessing
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest
from remote_servers import PUBLIC_ROOT, FtpServer, build_tree, synthetic_dbc
from typer.testing import CliRunner

import arrow_sus
from arrow_sus import cache
from arrow_sus.cli import app

logging.getLogger("pyftpdlib").setLevel(logging.WARNING)

SIH_DIR = "SIHSUS/200801_/Dados"
#: Four .dbc files of a few hundred KB each (synthetic records compress to ~18 bytes each).
FILES = {f"{SIH_DIR}/RD{uf}24{month:02d}.dbc": (uf, month) for uf in ("AC", "AL") for month in (1, 2)}
SCAN = {"uf": ["AC", "AL"], "year": 2024, "month": [1, 2]}
runner = CliRunner()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("srv")
    build_tree(root, {path: synthetic_dbc(16_000 + 1000 * i, seed=i) for i, path in enumerate(FILES)})
    return root


@pytest.fixture(scope="module")
def server(tree: Path):
    srv = FtpServer(tree)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def expected(tree: Path) -> pa.Table:
    """The files read straight from the tree, without any cache."""
    return canonical(arrow_sus.scan("sih-rd", source=(tree / PUBLIC_ROOT).as_uri(), cache=False, **SCAN).to_arrow())


def canonical(table: pa.Table) -> pa.Table:
    return table.replace_schema_metadata(None).combine_chunks()


def scan_into(cache_dir: Path, url: str) -> pa.Table:
    return canonical(arrow_sus.scan("sih-rd", source=url, cache_dir=str(cache_dir), **SCAN).to_arrow())


def _process_worker(url: str, cache_dirs: list[str], out_dir: str, index: int, barrier) -> None:
    """One process of the test below: each round, start with the others, scan into the round's cache, save the
    table (or the error)."""
    for round_, cache_dir in enumerate(cache_dirs):
        barrier.wait(timeout=60)
        target = Path(out_dir) / f"{round_}-{index}"
        try:
            table = scan_into(Path(cache_dir), url)
        except Exception as error:
            target.with_suffix(".error").write_text(f"{type(error).__name__}: {error}")
            continue
        with pa.OSFile(str(target.with_suffix(".arrow")), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table)


def test_processes_filling_one_cold_cache_at_once(server, expected, tmp_path) -> None:
    """4 processes x 3 rounds, each round a fresh empty cache shared by the 4: no failure, identical tables."""
    rounds, processes = 3, 4
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    cache_dirs = [str(tmp_path / f"cache-{r}") for r in range(rounds)]
    out = tmp_path / "out"
    out.mkdir()
    workers = [
        context.Process(target=_process_worker, args=(server.url, cache_dirs, str(out), i, barrier))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * processes
    errors = {p.name: p.read_text() for p in out.glob("*.error")}
    assert errors == {}
    tables = sorted(out.glob("*.arrow"))
    assert len(tables) == rounds * processes
    for path in tables:
        assert pa.ipc.open_file(str(path)).read_all().equals(expected), path.name
    for cache_dir in cache_dirs:
        assert cache.info(cache_dir).temporary_files == 0
        warm = arrow_sus.scan("sih-rd", source=server.url, cache_dir=cache_dir, **SCAN)
        assert warm.files().column("cached").to_pylist() == ["ipc-uncompressed"] * len(FILES)
        assert canonical(warm.to_arrow()).equals(expected)


def test_threads_filling_one_cold_cache_at_once(server, expected, tmp_path) -> None:
    """30 threads of one process scanning into one cold cache at once: no failure, identical tables."""
    threads = 30
    barrier = threading.Barrier(threads)
    results: list[pa.Table | BaseException] = [None] * threads  # type: ignore[list-item]

    def work(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            results[i] = scan_into(tmp_path / "cache", server.url)
        except BaseException as error:
            results[i] = error

    running = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=120)
    failures = [repr(r) for r in results if not isinstance(r, pa.Table)]
    assert failures == []
    assert all(r.equals(expected) for r in results)
    assert cache.info(tmp_path / "cache").temporary_files == 0


def _hold_lock(lock: Path) -> subprocess.Popen:
    """A live process holding `lock` (as a writer of that entry would), until killed."""
    code = textwrap.dedent(
        f"""
        import fcntl, os, sys, time
        fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(600)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "locked"
    return child


def test_temporary_files_of_dead_writers_are_counted_and_cleared(tmp_path, monkeypatch) -> None:
    """Files a killed writer left (its lock free) are counted by info and removed by clear; those of a live
    writer (its lock held) are neither."""
    root = tmp_path / "cache"
    raw_partial = root / "raw" / ".arrow-sus" / "partial" / SIH_DIR / "RDAC2401.dbc"
    raw_partial.parent.mkdir(parents=True)
    raw_partial.write_bytes(b"x" * 1000)
    (raw_partial.parent / "RDAC2401.dbc.identity").write_text("path=x\nsize=5000\n")
    converted = root / "converted" / "local-12345678" / SIH_DIR
    converted.mkdir(parents=True)
    dead = converted / "RDAC2401.dbc.0123abcd.uncompressed.arrow.tmp-999999-0123456789abcdef"
    dead.write_bytes(b"y" * 300)
    live_entry = converted / "RDAL2401.dbc.0123abcd.uncompressed.arrow"
    live = live_entry.with_name(live_entry.name + ".tmp-1-fedcba9876543210")
    live.write_bytes(b"z" * 50)
    writer = _hold_lock(live_entry.with_name(live_entry.name + ".lock"))
    try:
        info = cache.info(root)
        assert (info.temporary_files, info.temporary_bytes) == (3, 1000 + len("path=x\nsize=5000\n") + 300)
        assert "temporary_files=3" in repr(info)
        assert cache.clear(kind="temporary", older_than="1h", directory=root) == 0  # written just now
        assert cache.clear(kind="raw", directory=root) == 0  # no entries; temporary files are another kind
        assert cache.clear(kind="temporary", directory=root) == 3
        assert not raw_partial.exists() and not dead.exists()
        assert live.exists()  # its writer is alive
        assert cache.info(root).temporary_files == 0
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert cache.info(root).temporary_files == 1  # the writer is gone now
    monkeypatch.setenv("ARROW_SUS_CACHE", str(root))
    shown = runner.invoke(app, ["cache", "info"])
    assert shown.exit_code == 0 and "temporary" in shown.output
    assert json.loads(runner.invoke(app, ["cache", "info", "--json"]).output)["temporary_files"] == 1
    cleared = runner.invoke(app, ["cache", "clear", "--kind", "temporary", "--json"])
    assert json.loads(cleared.output) == {"removed": 1}
    assert not live.exists()


def _size(path: Path) -> int:
    """The file's size, 0 when it is gone already."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def test_a_writer_killed_mid_conversion_leaves_files_that_are_counted_then_cleared(tree, tmp_path) -> None:
    """SIGKILL while a scan downloads and converts: the partial download and the unfinished conversion stay,
    counted as temporary files; clear removes them, and the next scan is right."""
    root = tmp_path / "cache"
    slow = FtpServer(tree, rate=100_000)
    try:
        # The child takes one batch and stops reading: the scan's bounded read-ahead then holds the conversion
        # half written, however busy the machine is (a child left to finish converts a file in ~10 ms).
        script = (
            f"import time, arrow_sus; s = arrow_sus.scan('sih-rd', source={slow.url!r}, cache_dir={str(root)!r}, "
            f"batch_size=1000, **{SCAN!r}).stream(); next(s); print('first batch', flush=True); time.sleep(300)"
        )
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "first batch"
            deadline = time.monotonic() + 30
            converting = []
            while time.monotonic() < deadline and not converting:
                converting = [p for p in (root / "converted").rglob("*.tmp-*") if _size(p) > 0]
                time.sleep(0.02)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
    finally:
        slow.stop()
    found = sorted(f"{p.relative_to(root)}:{_size(p)}" for p in root.rglob("*") if p.is_file())
    assert converting, f"no conversion under way after the first batch (cache: {found})"
    info = cache.info(root)
    assert info.temporary_files >= 2  # the unfinished conversion, the partial download (and its record)
    assert info.temporary_bytes > 0
    assert cache.clear(kind="temporary", directory=root) == info.temporary_files
    assert cache.info(root).temporary_files == 0
    assert not [p for p in (root / "converted").rglob("*.tmp-*")]


def _replace(path: Path, data: bytes) -> None:
    """Puts `data` at `path` the way the cache does: a new file renamed over the old one."""
    temporary = path.with_name(path.name + ".new")
    temporary.write_bytes(data)
    temporary.replace(path)


def test_a_mapped_table_outlives_its_entry(tree, tmp_path) -> None:
    """A table read from a memory-mapped cache entry stays valid while the entry is found damaged and forgotten,
    rebuilt and cleared: entries are replaced by a rename or removed, never truncated or rewritten in place."""
    url = (tree / PUBLIC_ROOT).as_uri()
    root = tmp_path / "cache"
    kw = {"source": url, "cache_dir": str(root), **SCAN}
    expected = canonical(arrow_sus.scan("sih-rd", source=url, cache=False, **SCAN).to_arrow())
    arrow_sus.scan("sih-rd", **kw).to_arrow()  # fills the cache
    allocated = pa.total_allocated_bytes()
    mapped = arrow_sus.scan("sih-rd", **kw).to_arrow()
    assert pa.total_allocated_bytes() - allocated < mapped.nbytes // 4  # the columns are the files' pages
    assert canonical(mapped).equals(expected)
    # Every entry damaged on disk: the next scan finds it, forgets it, and converts the file again.
    for entry in cache._manifest(root).entries():
        path = Path(entry["local_path"])
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        _replace(path, bytes(data))
    assert canonical(arrow_sus.scan("sih-rd", **kw).to_arrow()).equals(expected)
    assert canonical(mapped).equals(expected)
    rebuilt = arrow_sus.scan("sih-rd", **kw)
    assert rebuilt.files().column("cached").to_pylist() == ["ipc-uncompressed"] * len(FILES)
    assert canonical(rebuilt.to_arrow()).equals(expected)
    assert cache.clear(directory=root) == len(FILES)  # a file:// mirror: conversions only
    assert canonical(mapped).equals(expected)
    assert [len(v) for v in mapped.column(0).to_pylist()] == [len(v) for v in expected.column(0).to_pylist()]
