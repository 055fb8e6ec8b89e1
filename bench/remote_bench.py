"""Remote-access benchmarks against a local FTP server (see bench/README.md, section "Remote access").

1. Decode while downloading: a large .dbc served at 20 MB/s, read into an Arrow table with
   ``open_remote_dbc`` vs. the plain transfer of the same bytes (one ranged read, no decoding).
2. Many small files: files/s and MB/s for 1..3 parallel connections, each data connection throttled
   (as the DATASUS server effectively is), so parallelism is what raises throughput.
3. Re-running a finished download: how many RETR commands, and how many full transfers, the second run sends.

Usage: python bench/remote_bench.py [--mb 40] [--rate 20] [--small 36]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))  # the test servers (remote_servers.py)

from remote_servers import FtpServer, build_tree, synthetic_dbc  # noqa: E402

import arrow_sus  # noqa: E402
import arrow_sus.remote as remote  # noqa: E402

logging.disable(logging.INFO)  # pyftpdlib logs every command at INFO
BIG = "SIHSUS/200801_/Dados/RDSP2401.dbc"


def corpus_records(target_bytes: int) -> tuple[bytes, str] | None:
    """A large realistic .dbc: the records of a real SIA file repeated (real data compresses ~10x, far
    more than random digits, which makes decoding relatively costlier)."""
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "PAAC2401.dbc"
    if not corpus.exists():
        return None
    dbf = arrow_sus.decompress_dbc(corpus.read_bytes())
    header_len = int.from_bytes(dbf[8:10], "little")
    record_len = int.from_bytes(dbf[10:12], "little")
    count = int.from_bytes(dbf[4:8], "little")
    records = dbf[header_len : header_len + count * record_len]
    repeats = 1
    while len(arrow_sus.compress_dbf(dbf)) * repeats < target_bytes:
        repeats += 1
    body = records * repeats
    header = bytearray(dbf[:header_len])
    header[4:8] = (count * repeats).to_bytes(4, "little")
    return arrow_sus.compress_dbf(bytes(header) + body + b"\x1a"), f"PAAC2401.dbc x{repeats}"


def make_big(target_bytes: int, synthetic: bool) -> tuple[bytes, str]:
    """The corpus-based file when the corpus is present (unless `synthetic`), else random-digit records."""
    real = None if synthetic else corpus_records(target_bytes)
    if real is not None:
        return real
    records = target_bytes // 18
    return synthetic_dbc(records), f"synthetic, {records} records"


def bench_decode_while_downloading(work: Path, mb: int, rate: int, synthetic: bool) -> None:
    data, what = make_big(mb * 1_000_000, synthetic)
    build_tree(work / "srv", {BIG: data})
    srv = FtpServer(work / "srv", rate=rate * 1_000_000)
    try:
        src = remote.open_source(srv.url)
        plain, table_times = [], []
        for i in range(3):
            start = time.perf_counter()
            got = src._native.read_range(BIG, 0, len(data))
            plain.append(time.perf_counter() - start)
            assert got == data
            start = time.perf_counter()
            reader = remote.open_remote_dbc(BIG, source=src, dest=work / f"dest{i}")
            table = reader.read_all()
            table_times.append(time.perf_counter() - start)
            del reader  # waits for the background verification and cache commit (not part of the timing)
        local = []
        for i in range(3):  # the same decode from the local copy: what the network time must hide
            start = time.perf_counter()
            arrow_sus.read_dbc(work / f"dest{i}" / BIG)
            local.append(time.perf_counter() - start)
        p, t, d = statistics.median(plain), statistics.median(table_times), statistics.median(local)
        size = len(data) / 1e6
        print(f"decode while downloading: {size:.1f} MB ({what}), {table.num_rows} rows, {rate} MB/s")
        print(
            f"  plain transfer {p:.2f} s, decode of the local copy {d:.2f} s, to Arrow table while "
            f"downloading {t:.2f} s: {t / p:.2f}x the transfer, {t / max(p, d):.2f}x max(transfer, decode), "
            f"{t / (p + d):.2f}x (transfer + decode) (medians of 3)"
        )
    finally:
        srv.stop()


def bench_many_small_files(work: Path, count: int) -> None:
    files = {f"SIM/DORES/DO{i:02d}2024.dbc": synthetic_dbc(11_000, seed=i) for i in range(count)}
    build_tree(work / "small", files)
    total = sum(len(b) for b in files.values())
    srv = FtpServer(work / "small", rate=2_000_000)
    try:
        print(f"many small files: {count} files, {total / 1e6:.1f} MB, 2 MB/s per data connection")
        for connections in (1, 2, 3):
            src = remote.open_source(srv.url, max_connections=connections)
            start = time.perf_counter()
            remote.download_files(
                list(files),
                work / f"small{connections}",
                source=src,
                progress=False,
                max_connections=connections,
            )
            elapsed = time.perf_counter() - start
            rate_mb = total / elapsed / 1e6
            print(
                f"  {connections} connection(s): {count / elapsed:.1f} files/s, {rate_mb:.2f} MB/s, "
                f"server saw at most {srv.faults.max_connections_seen} connections"
            )
    finally:
        srv.stop()


def bench_rerun(work: Path) -> None:
    files = {f"SIM/DORES/DO{i:02d}2023.dbc": synthetic_dbc(20_000, seed=i) for i in range(10)}
    build_tree(work / "rerun", files)
    srv = FtpServer(work / "rerun")
    try:
        remote.download_files(list(files), work / "rerun-dest", source=srv.url, progress=False)
        retr = srv.faults.total_retr()
        summary = remote.download_files(list(files), work / "rerun-dest", source=srv.url, progress=False)
        print(
            f"re-run of a finished download ({len(files)} files): {len(summary.up_to_date)} up to date, "
            f"{srv.faults.total_retr() - retr} RETR sent (one ranged identity read of the first "
            f"{remote.IDENTITY_PREFIX_BYTES} bytes per .dbc), {summary.bytes_fetched} bytes downloaded"
        )
    finally:
        srv.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=40, help="size of the large .dbc in MB")
    parser.add_argument("--rate", type=int, default=20, help="server rate for the large file, MB/s")
    parser.add_argument("--small", type=int, default=36, help="number of small files (0: skip)")
    parser.add_argument("--synthetic", action="store_true", help="random-digit records even with the corpus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bench_decode_while_downloading(work, args.mb, args.rate, args.synthetic)
        if args.small:
            bench_many_small_files(work, args.small)
        bench_rerun(work)


if __name__ == "__main__":
    main()
