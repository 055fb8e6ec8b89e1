"""Streaming keeps memory proportional to the batch, not the file (asserted loosely: the benchmark
bench/bench_reader.py measures it on 1 GB synthetic files)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dbf_factory import Dbf, Field

# Peak RSS from /proc (VmHWM): getrusage's ru_maxrss survives exec, so a child of a big pytest
# process would report the parent's size.
STREAM_AND_REPORT = """
import json, sys
import arrow_sus
rows = 0
for batch in arrow_sus.open_{kind}(sys.argv[1], batch_size=8192):
    rows += batch.num_rows
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"rows": rows, "peak_rss_mb": int(hwm.split()[1]) / 1024}}))
"""


def _big_dbf(path: Path, target_bytes: int) -> int:
    fields = [Field(f"C{i}", "C", 12) for i in range(10)] + [Field(f"N{i}", "N", 10, 2) for i in range(10)]
    one = Dbf(fields, [[b"ABCDEFGH%04d" % i for i in range(10)] + [b"%d.25" % i for i in range(10)]]).build()
    header_length = int.from_bytes(one[8:10], "little")
    record = one[header_length:-1]
    per_chunk = 10_000
    chunks = max(1, target_bytes // (len(record) * per_chunk))
    header = bytearray(one[:header_length])
    header[4:8] = (chunks * per_chunk).to_bytes(4, "little")
    with open(path, "wb") as fh:
        fh.write(header)
        block = record * per_chunk
        for _ in range(chunks):
            fh.write(block)
        fh.write(b"\x1a")
    return chunks * per_chunk


def test_streaming_a_large_file_keeps_memory_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.dbf"
    records = _big_dbf(path, 400 * 2**20)
    out = subprocess.run(
        [sys.executable, "-c", STREAM_AND_REPORT.format(kind="dbf"), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    assert result["rows"] == records
    # The interpreter with pyarrow loaded takes ~100 MB; the file is 400 MB. Loose on purpose.
    assert result["peak_rss_mb"] < 300, result
