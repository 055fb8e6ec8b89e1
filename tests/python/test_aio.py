"""The async front end (issue 21): results equal the synchronous ones, cancellation stops the work and leaves the
cache consistent, the event loop keeps running while the pools work, and many streams share one process.

Thread and descriptor counts come from a child process (``/proc/self``), so the FTP server's own threads and
the other tests' descriptors do not count."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pytest
from remote_servers import PUBLIC_ROOT, FtpServer
from scan_mirror import SIH_DIR, build_sih_mirror

import arrow_sus
from arrow_sus import aio, cache
from arrow_sus.errors import FormatError, InvalidArgumentError

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc (Linux)")

UFS = ("AC", "RJ", "SP")
SCAN = {"uf": list(UFS), "year": 2013, "batch_size": 500}


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mirror")
    build_sih_mirror(root / PUBLIC_ROOT, ufs=UFS, rows=4000)
    return root


@pytest.fixture(scope="module")
def url(mirror: Path) -> str:
    return (mirror / PUBLIC_ROOT).as_uri()


def _same(left: pa.Table, right: pa.Table) -> bool:
    """Same schema and values (a file read from the cache and the same file decoded again may split their
    dictionaries differently)."""
    return left.schema.equals(right.schema) and left.to_pylist() == right.to_pylist()


def _sorted(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=repr)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"labels": "both", "columns": ["SEXO", "IDADE", "DIAG_PRINC"], "filters": [("SEXO", "=", "3")]},
        {"ordered": False, "with_source": True},
        {"use_threads": False},
    ],
    ids=["plain", "labels-columns-filter", "unordered", "no-threads"],
)
def test_async_results_equal_sync_results(url: str, tmp_path: Path, options: dict) -> None:
    kw = {**SCAN, **options, "source": url, "cache_dir": str(tmp_path / "c")}
    expected = arrow_sus.scan("sih-rd", **kw).to_arrow()

    async def main() -> tuple[pa.Table, pa.Table, pa.Table]:
        scan = await aio.scan("sih-rd", **kw)
        table = await scan.to_arrow_async()
        batches = [batch async for batch in scan.stream_async()]
        streamed = pa.Table.from_batches(batches, schema=table.schema)
        frame = await scan.collect_async()
        return table, streamed, frame.to_arrow()

    table, streamed, frame = asyncio.run(main())
    assert table.num_rows > 0
    if options.get("ordered", True):
        assert _same(table, expected) and _same(streamed, expected)
    else:
        assert _sorted(table) == _sorted(expected) and _sorted(streamed) == _sorted(expected)
    assert frame.num_rows == expected.num_rows


def test_the_scan_of_an_async_pass_reports_its_stats(url: str, tmp_path: Path) -> None:
    scan = arrow_sus.scan("sih-rd", **SCAN, source=url, cache=False)
    table = asyncio.run(scan.to_arrow_async())
    assert scan.stats.rows == table.num_rows
    assert scan.stats.files_done == 6


def test_an_auxiliary_dataset_streams_from_memory() -> None:
    async def main() -> pa.Table:
        scan = await aio.scan("aux-cid10")
        return await scan.to_arrow_async()

    assert _same(asyncio.run(main()), arrow_sus.scan("aux-cid10").to_arrow())


def test_a_damaged_file_raises_its_typed_error(tmp_path: Path) -> None:
    root = tmp_path / "srv"
    files = build_sih_mirror(root / PUBLIC_ROOT, ufs=("AC",), periods=((2013, 1),), rows=2000)
    target = root / PUBLIC_ROOT / files[0].path
    data = bytearray(target.read_bytes())
    target.write_bytes(bytes(data[: len(data) // 2]))  # truncated inside the compressed records
    scan = arrow_sus.scan("sih-rd", uf="AC", year=2013, source=(root / PUBLIC_ROOT).as_uri(), cache=False)
    with pytest.raises(FormatError, match=r"RDAC1301\.dbc"):
        asyncio.run(scan.to_arrow_async())


def test_an_unknown_column_fails_before_any_batch(url: str) -> None:
    scan = arrow_sus.scan("sih-rd", **SCAN, source=url, cache=False, columns=["NO_SUCH"])
    with pytest.raises(InvalidArgumentError, match="NO_SUCH"):
        asyncio.run(scan.to_arrow_async())


def test_the_loop_keeps_running_while_the_pools_work(url: str) -> None:
    """A timer task ticking every 5 ms is never late by more than 50 ms while a scan runs: batches reach the loop
    by completion callbacks, and nothing on the loop waits for a download or a decode."""
    scan = arrow_sus.scan("sih-rd", **{**SCAN, "batch_size": 200}, source=url, cache=False)

    async def main() -> tuple[int, float]:
        worst = 0.0
        ticks = 0
        done = False

        async def probe() -> None:
            nonlocal worst, ticks
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                worst = max(worst, time.perf_counter() - before - 0.005)
                ticks += 1

        timer = asyncio.create_task(probe())
        rows = 0
        for _ in range(5):
            async for batch in scan.stream_async():
                rows += batch.num_rows
        done = True
        await timer
        return rows, worst

    rows, worst = asyncio.run(main())
    assert rows > 0
    assert worst < 0.050, f"the loop stalled {worst * 1000:.1f} ms"


def test_closing_a_stream_early_stops_the_pass(url: str) -> None:
    scan = arrow_sus.scan("sih-rd", **{**SCAN, "batch_size": 100}, source=url, cache=False)

    async def main() -> int:
        async with scan.stream_async() as stream:
            first = await stream.__anext__()
        assert [b async for b in stream] == []  # closed: nothing more
        return first.num_rows

    assert asyncio.run(main()) == 100


def _cache_entries_are_whole(root: Path) -> None:
    """No unfinished conversion is left, and every raw entry has the size its identity records."""
    assert not list((root / "converted").rglob("*.tmp-*")) if (root / "converted").exists() else True
    for entry in (root / "raw" / SIH_DIR).glob("*.dbc") if (root / "raw" / SIH_DIR).exists() else []:
        identity = root / "raw" / ".arrow-sus" / "identity" / SIH_DIR / entry.name
        size = dict(line.split("=", 1) for line in identity.read_text().splitlines())["size"]
        assert entry.stat().st_size == int(size), entry


def test_cancelling_mid_download_stops_promptly_and_leaves_the_cache_consistent(mirror: Path, tmp_path: Path) -> None:
    root = tmp_path / "cache"
    slow = FtpServer(mirror, rate=200_000)
    try:
        scan = arrow_sus.scan("sih-rd", **SCAN, source=slow.url, cache_dir=str(root))

        async def main() -> float:
            task = asyncio.create_task(scan.to_arrow_async())
            partial = root / "raw" / ".arrow-sus" / "partial"
            while not any(p.stat().st_size > 0 for p in partial.rglob("*.dbc")) if partial.exists() else True:
                await asyncio.sleep(0.01)
            started = time.perf_counter()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return time.perf_counter() - started

        stopped_after = asyncio.run(main())
        assert stopped_after < 5.0
        _cache_entries_are_whole(root)
        assert cache.info(root).temporary_files >= 1  # the partial downloads, kept for a resume
        # The next scan resumes and equals a scan from scratch.
        again = arrow_sus.scan("sih-rd", **SCAN, source=slow.url, cache_dir=str(root)).to_arrow()
    finally:
        slow.stop()
    url = (mirror / PUBLIC_ROOT).as_uri()
    assert _same(again, arrow_sus.scan("sih-rd", **SCAN, source=url, cache=False).to_arrow())


def test_async_downloads_equal_sync_downloads_and_cancel(mirror: Path, tmp_path: Path) -> None:
    url = (mirror / PUBLIC_ROOT).as_uri()
    summary = asyncio.run(aio.download("sih-rd", uf=list(UFS), year=2013, dest=tmp_path / "a", source=url))
    assert len(summary.downloaded) == 6 and not summary.failed
    again = asyncio.run(aio.download("sih-rd", uf=list(UFS), year=2013, dest=tmp_path / "a", source=url))
    assert len(again.up_to_date) == 6
    sync = arrow_sus.download("sih-rd", uf=list(UFS), year=2013, dest=tmp_path / "b", source=url, progress=False)
    for left, right in zip(summary.downloaded, sync.downloaded, strict=True):
        assert left.local_path.read_bytes() == right.local_path.read_bytes()

    slow = FtpServer(mirror, rate=100_000)
    try:

        async def cancelled() -> None:
            fetch = aio.download("sih-rd", uf=list(UFS), year=2013, dest=tmp_path / "c", source=slow.url)
            task = asyncio.create_task(fetch)
            await asyncio.sleep(0.5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(cancelled())
    finally:
        slow.stop()
    assert not list((tmp_path / "c" / SIH_DIR).glob("*.dbc"))  # nothing finished appears under its name


def test_a_client_carries_its_settings_and_refuses_calls_once_closed(url: str, tmp_path: Path) -> None:
    async def main() -> pa.Table:
        async with arrow_sus.Client(url, cache_dir=tmp_path / "cc") as client:
            assert "cache_dir=" in repr(client)
            scan = await client.scan_async("sih-rd", **SCAN)
            table = await scan.to_arrow_async()
            summary = await client.download_async("sih-rd", uf="AC", year=2013, progress=False)
            assert summary.downloaded[0].local_path.is_relative_to(tmp_path / "cc" / "raw")
        with pytest.raises(InvalidArgumentError, match="closed"):
            client.scan("sih-rd", **SCAN)
        return table

    table = asyncio.run(main())
    assert (tmp_path / "cc" / "converted").is_dir()
    assert _same(table, arrow_sus.scan("sih-rd", **SCAN, source=url, cache=False).to_arrow())
    with arrow_sus.Client(url, cache_dir=tmp_path / "cc") as client:
        assert _same(client.scan("sih-rd", **SCAN).to_arrow(), table)


def test_many_concurrent_streams_share_one_process(url: str) -> None:
    """200 async scans at once in a child process: each equals the synchronous result; threads and descriptors
    come back to where they were, and memory stays bounded (the streams are consumed batch by batch)."""
    code = f"""
        import asyncio, json, os, resource, arrow_sus, pyarrow.compute as pc
        kw = dict({SCAN!r}, source={url!r}, cache=False, uf='AC')
        def threads(): return len(os.listdir('/proc/self/task'))
        def fds(): return len(os.listdir('/proc/self/fd'))
        def rss_mb(): return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
        def digest(batches):  # per batch: rows, total value, diagnoses' total length
            return [(b.num_rows, round(pc.sum(b['VAL_TOT']).as_py() or 0, 2),
                     pc.sum(pc.utf8_length(b['DIAG_PRINC'].cast('string'))).as_py()) for b in batches]
        expected = digest(arrow_sus.scan('sih-rd', **kw).to_reader())
        async def consume():  # batch by batch: what is held is the streams' read-ahead, not their results
            return [d async for b in arrow_sus.scan('sih-rd', **kw).stream_async() for d in digest([b])]
        async def many(n):
            return await asyncio.gather(*(consume() for _ in range(n)))
        asyncio.run(many(20))  # Arrow's pools reach their size; the loop's queue exists from here on
        before = {{"threads": threads(), "fds": fds(), "rss": rss_mb()}}
        results = asyncio.run(many(200))
        print(json.dumps({{"same": all(r == expected for r in results), "before": before,
                           "after": {{"threads": threads(), "fds": fds(), "rss": rss_mb()}},
                           "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["same"]
    assert report["after"]["threads"] <= report["before"]["threads"], report
    assert report["after"]["fds"] <= report["before"]["fds"], report
    # Each stream holds its current file with 2 batches; files read ahead come from one budget for the process
    # (MultiFileReader::ReadAheadLimit): about 1.5 MB per stream measured on 2026-12-07, where the results
    # would be 200 x 36k rows.
    assert report["peak_rss"] < report["before"]["rss"] + 200 * 2.5, report
