"""Side-by-side codec benchmark: arrow-sus vs pyreaddbc (Mark Adler's blast) on the same files, one run.

Measures, single thread, in MB/s of decompressed (DBF) output:
  * ours, in memory: ``arrow_sus.decompress_dbc(bytes)`` (CRC-32 verified);
  * ours, file to file: ``arrow_sus.dbc_to_dbf(src, dst)`` (CRC-32 verified);
  * pyreaddbc, file to file: ``pyreaddbc.dbc2dbf(src, dst)`` (no CRC check);
over every .dbc of the corpus (median of per-file throughputs, and the aggregate) and over large synthetic
.dbc files made by repeating the records of real SIH-RD, SIA-PA and SINAN files and compressing them with
our encoder. It also reports our compressor's throughput and its size ratio against the DATASUS originals.

Times are CPU seconds of the benchmark process (best of --repeat runs), as the machine is shared.

Usage: python bench/bench_codec.py [--corpus DIR] [--synthetic-mb 512] [--repeat 3] [--tmp /dev/shm]
"""

from __future__ import annotations

import argparse
import os
import statistics
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyreaddbc

import arrow_sus

SYNTHETIC_SOURCES = {"SIH-RD": "RDSC0907.dbc", "SIA-PA": "PAAC2401.dbc", "SINAN": "ZIKABR21.dbc"}


def best_seconds(work: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs, in CPU seconds of this process (user + system).

    CPU time, not wall time: the benchmark machine is shared, and every measured call is single-threaded
    (file writes land in the page cache and count as system time).
    """
    times = []
    for _ in range(repeat):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return max(min(times), 1e-6)


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(
        p
        for p in corpus.iterdir()
        if p.suffix.lower() == ".dbc" and p.name != "not-a-dbc.dbc" and p.stat().st_size > 0
    )


def measure_decoders(src: Path, out_size: int, tmp: Path, repeat: int) -> dict[str, float]:
    """MB/s of output for each decoder on one file."""
    data = src.read_bytes()
    dst = tmp / "out.dbf"
    mb = out_size / 1e6
    results = {
        "ours_memory": mb / best_seconds(lambda: arrow_sus.decompress_dbc(data), repeat),
        "ours_file": mb / best_seconds(lambda: arrow_sus.dbc_to_dbf(src, dst), repeat),
        "pyreaddbc_file": mb / best_seconds(lambda: pyreaddbc.dbc2dbf(str(src), str(dst)), repeat),
    }
    dst.unlink(missing_ok=True)
    return results


def make_synthetic(src: Path, target_bytes: int, dst: Path) -> tuple[int, float]:
    """Writes a .dbc of at least `target_bytes` decompressed bytes made of `src`'s records repeated.

    Returns the decompressed size and the compression time in seconds.
    """
    dbf = arrow_sus.decompress_dbc(src.read_bytes())
    header_len, record_len = struct.unpack_from("<HH", dbf, 8)
    records = dbf[header_len:]
    records = records[: len(records) - len(records) % record_len]
    copies = -(-target_bytes // len(records))
    count = copies * len(records) // record_len
    header = bytearray(dbf[:header_len])
    struct.pack_into("<I", header, 4, count)
    big = bytes(header) + records * copies + b"\x1a"
    start = time.perf_counter()
    dbc = arrow_sus.compress_dbf(big)
    seconds = time.perf_counter() - start
    dst.write_bytes(dbc)
    return len(big), seconds


def summarize(name: str, rows: list[dict[str, float]]) -> None:
    print(f"\n{name}: {len(rows)} files, MB/s of decompressed output (median over files)")
    for key in ("ours_memory", "ours_file", "pyreaddbc_file"):
        values = [r[key] for r in rows]
        print(f"  {key:16s} median {statistics.median(values):9.1f}   min {min(values):9.1f}")
    speedups = [r["ours_memory"] / r["pyreaddbc_file"] for r in rows]
    file_speedups = [r["ours_file"] / r["pyreaddbc_file"] for r in rows]
    print(f"  speed-up vs pyreaddbc: in memory median {statistics.median(speedups):.1f}x, ")
    print(f"                         file to file median {statistics.median(file_speedups):.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root = Path(__file__).resolve().parents[1]
    default_corpus = os.environ.get("ARROW_SUS_CORPUS", str(root.parent / "shared" / "corpus"))
    parser.add_argument("--corpus", type=Path, default=Path(default_corpus))
    parser.add_argument("--synthetic-mb", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tmp", type=Path, default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"corpus not found: {args.corpus}")

    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp_name:
        tmp = Path(tmp_name)
        files = corpus_files(args.corpus)

        # Corpus: every .dbc, each decoder, and our compressor against the original.
        rows = []
        original_bytes = ours_bytes = dbf_bytes = 0
        compress_seconds = 0.0
        for src in files:
            dbf = arrow_sus.decompress_dbc(src.read_bytes())
            rows.append(measure_decoders(src, len(dbf), tmp, args.repeat))
            start = time.perf_counter()
            ours = arrow_sus.compress_dbf(dbf)
            compress_seconds += time.perf_counter() - start
            original_bytes += src.stat().st_size
            ours_bytes += len(ours)
            dbf_bytes += len(dbf)
        summarize("corpus", rows)
        print(
            f"  compressor: {dbf_bytes / 1e6 / compress_seconds:.1f} MB/s of DBF input; "
            f"total size {ours_bytes / original_bytes:.3f} x the DATASUS originals "
            f"({ours_bytes:,} vs {original_bytes:,} bytes; DBF {dbf_bytes:,} bytes)"
        )

        # Large synthetic files.
        synthetic_rows = []
        for label, name in SYNTHETIC_SOURCES.items():
            src = args.corpus / name
            if not src.exists():
                print(f"(skipping {label}: {name} not in the corpus)")
                continue
            dst = tmp / f"synthetic-{name}"
            size, seconds = make_synthetic(src, args.synthetic_mb * 1_000_000, dst)
            row = measure_decoders(dst, size, tmp, args.repeat)
            synthetic_rows.append(row)
            print(
                f"\nsynthetic {label} from {name}: {size / 1e6:.0f} MB decompressed, "
                f"{dst.stat().st_size / 1e6:.1f} MB compressed "
                f"(compressor {size / 1e6 / seconds:.0f} MB/s)"
            )
            for key, value in row.items():
                print(f"  {key:16s} {value:9.1f} MB/s")
            dst.unlink()
        if synthetic_rows:
            summarize("synthetic", synthetic_rows)


if __name__ == "__main__":
    main()
