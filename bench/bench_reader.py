"""Benchmark of the DBF/DBC reader against the Python peers, side by side in one run.

Each measurement runs in a fresh subprocess, which reports wall time, CPU time and its peak RSS; every case
runs ``--repeat`` times (default 3) and the fastest run is reported, so a page-fault storm or a neighbour's burst
in one run does not decide the figure (fresh memory on this VM: "Runs of 2026-11-25" in bench/README.md). The
runs of one case follow each other. Taking cases in turns, tried on 2026-11-25, did not make the ratios
steadier (single-threaded SIH-RD tables: 227-271 MB/s in turns, 302-611 MB/s in order, within two hours, same
code).

* Large synthetic .dbc files are built with arrow-sus's own compressor (``arrow_sus.dbf_to_dbc``) from the
  real records of SIH-RD, SIA-PA and SINAN corpus files, repeated to ``--synthetic-mb`` MB of DBF. On them:
  all columns single-threaded, all columns on every core, 5 columns of a 100+ column file, and streaming
  (batches dropped as they come: the peak RSS shows memory stays bounded).
* Peers on real corpus files (converted to pandas, as their users get them): PySUS / microdatasus's path
  pyreaddbc + dbfread -> pandas, datasus-dbc (Rust decompressor) + dbfread -> pandas, and
  climasus-readdbc (pure Python) -> pandas, against arrow-sus -> Arrow and -> pandas. Each interpreter reads
  the file ``--session-runs`` times: the first read shows a one-off script (first-use costs and fresh pages
  included), the later ones a session that reads file after file.

Usage: python bench/bench_reader.py [--synthetic-mb 1024] [--repeat 3] [--peer-files RDAC2401.dbc,...]
       [--session-runs 3] [--probe-memory] [--out FILE.md]
Needs the corpus (../shared/corpus or $ARROW_SUS_CORPUS) and the ``bench`` extras for the peers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ARROW_SUS_CORPUS", ROOT.parent / "shared" / "corpus"))

#: Real files whose records are repeated into the synthetic inputs: (label, corpus file).
SYNTHETIC_SOURCES = [("SIH-RD", "RDAC2401.dbc"), ("SIA-PA", "PAAC2401.dbc"), ("SINAN", "ZIKABR16.DBC")]
DEFAULT_PEER_FILES = ["RDAC2401.dbc", "PAAC2401.dbc", "DOINF21.dbc"]


# ---- measurements (run in a child process) ----


def _dbf_size(path: str) -> int:
    import arrow_sus

    header = arrow_sus.reader_header(arrow_sus.open_dbc(path))
    return header["header_length"] + header["record_count"] * header["record_length"]


def _case_arrow_sus(path: str, use_threads: bool, columns: list[str] | None, to_pandas: bool) -> int:
    import arrow_sus

    # For pandas, text is read as large_string, what pandas 3 keeps (to_pandas then copies no offsets).
    table = arrow_sus.read_dbc(path, columns=columns, use_threads=use_threads, large_strings=to_pandas)
    if to_pandas:
        table.to_pandas()
    return table.num_rows


def _case_arrow_sus_stream(path: str, use_threads: bool) -> int:
    import arrow_sus

    rows = 0
    for batch in arrow_sus.open_dbc(path, use_threads=use_threads):
        rows += batch.num_rows  # each batch is dropped here: memory stays bounded
    return rows


def _dbfread_pandas(dbf_path: str) -> int:
    import dbfread
    import pandas as pd

    return len(pd.DataFrame(iter(dbfread.DBF(dbf_path, encoding="latin-1"))))


def _case_pyreaddbc(path: str) -> int:
    import pyreaddbc

    with tempfile.TemporaryDirectory() as tmp:
        dbf = os.path.join(tmp, "x.dbf")
        pyreaddbc.dbc2dbf(path, dbf)
        return _dbfread_pandas(dbf)


def _case_datasus_dbc(path: str) -> int:
    import datasus_dbc

    with tempfile.TemporaryDirectory() as tmp:
        dbf = os.path.join(tmp, "x.dbf")
        datasus_dbc.decompress(path, dbf)
        return _dbfread_pandas(dbf)


def _case_climasus(path: str) -> int:
    import climasus_readdbc

    return len(climasus_readdbc.read_dbc(path))


def _case_fresh_memory(mb: int) -> int:
    """Touches `mb` MB of new memory advised for huge pages, as pyarrow's allocator gets its memory: what fresh
    pages cost on this machine at that moment (on this VM the host backs them again, at a speed that swings)."""
    import mmap

    size = mb << 20
    area = mmap.mmap(-1, size)
    area.madvise(mmap.MADV_HUGEPAGE)
    for offset in range(0, size, 4096):
        area[offset] = 1
    area.close()
    return 0


CASES = {
    "fresh_memory": _case_fresh_memory,
    "arrow_sus": _case_arrow_sus,
    "arrow_sus_stream": _case_arrow_sus_stream,
    "pyreaddbc+dbfread": _case_pyreaddbc,
    "datasus-dbc+dbfread": _case_datasus_dbc,
    "climasus-readdbc": _case_climasus,
}


def _peak_rss_mb() -> float:
    """VmHWM of this process (getrusage's ru_maxrss survives exec: it would include the parent's)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: Modules each case imports, loaded before the clock starts (pyarrow.pandas_compat and
#: pyarrow.vendored.version are what ``Table.to_pandas`` imports on its first call: ~3 ms of regex compiling).
IMPORTS = {
    "fresh_memory": [],
    "arrow_sus": ["arrow_sus", "pandas", "pyarrow.pandas_compat", "pyarrow.vendored.version"],
    "arrow_sus_stream": ["arrow_sus"],
    "pyreaddbc+dbfread": ["pyreaddbc", "dbfread", "pandas"],
    "datasus-dbc+dbfread": ["datasus_dbc", "dbfread", "pandas"],
    "climasus-readdbc": ["climasus_readdbc", "pandas"],
}


def _child(spec: dict[str, Any]) -> None:
    import importlib

    for module in IMPORTS[spec["case"]]:
        importlib.import_module(module)
    fn = CASES[spec["case"]]
    runs = []
    for _ in range(spec.get("session_runs", 1)):  # the first in a fresh interpreter, the others after it
        wall, cpu, user = time.perf_counter(), time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_utime
        rows = fn(**spec["args"])
        runs.append(
            {
                "seconds": time.perf_counter() - wall,
                "cpu_seconds": time.process_time() - cpu,
                # User time alone: the code's own work, without the kernel's on fresh pages (which swings 20x here).
                "user_seconds": resource.getrusage(resource.RUSAGE_SELF).ru_utime - user,
            }
        )
    result = {
        "rows": rows,
        **runs[0],
        "session_seconds": min((run["seconds"] for run in runs[1:]), default=None),
        "peak_rss_mb": _peak_rss_mb(),
    }
    print(json.dumps(result))


def measure(
    case: str, timeout: float | None = None, session_runs: int = 1, probe: bool = False, **args: Any
) -> dict[str, Any] | None:
    """The fastest of REPEAT runs of one case, each in a fresh interpreter; None when it failed or ran out of time.

    With ``session_runs`` > 1 each interpreter runs the case that many times: ``seconds`` is still its first
    run, and ``session_seconds`` the fastest of the later runs over all interpreters (a file read in a session
    that has read one before: no first-use costs). With ``probe``, a fresh interpreter measures what new memory
    costs just before each run (``fresh_memory_gbps``: each run's, the reported one first).
    """
    runs, probes = [], []
    for _ in range(REPEAT):
        probes.append(_fresh_memory_gbps() if probe else None)
        runs.append(_measure_once(case, timeout, session_runs, args))
    done = [run for run in runs if run is not None]
    if len(done) != len(runs):
        return None
    fastest = min(range(len(runs)), key=lambda i: runs[i]["seconds"])
    best = dict(runs[fastest])
    if session_runs > 1:
        best["session_seconds"] = min(run["session_seconds"] for run in done)
    if probe:
        best["fresh_memory_gbps"] = [probes[fastest], *(p for i, p in enumerate(probes) if i != fastest)]
    return best


#: MB of new memory the probe touches: about what a 1 GiB table read allocates.
PROBE_MB = 1024


def _fresh_memory_gbps() -> float | None:
    """GB/s at which a fresh interpreter got PROBE_MB MB of new huge-page memory backed (wall clock)."""
    probe = _measure_once("fresh_memory", None, 1, {"mb": PROBE_MB})
    return PROBE_MB * 2**20 / probe["seconds"] / 1e9 if probe else None


#: Runs per case (set from --repeat).
REPEAT = 3


def _measure_once(case: str, timeout: float | None, session_runs: int, args: dict[str, Any]) -> dict[str, Any] | None:
    spec = json.dumps({"case": case, "args": args, "session_runs": session_runs})
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", spec],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        print(f"  {case} failed: {exc.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- inputs ----


def build_synthetic(label: str, source: Path, target_mb: int, workdir: Path) -> Path:
    """A .dbc with the records of `source` repeated to about `target_mb` MB of DBF."""
    import arrow_sus

    out = workdir / f"synthetic-{label}-{target_mb}MB.dbc"
    if out.exists():
        return out
    dbf = arrow_sus.decompress_dbc(source.read_bytes())
    header_length = int.from_bytes(dbf[8:10], "little")
    record_length = int.from_bytes(dbf[10:12], "little")
    count = (len(dbf) - header_length) // record_length
    records = dbf[header_length : header_length + count * record_length]
    repeats = max(1, target_mb * 2**20 // len(records))
    header = bytearray(dbf[:header_length])
    header[4:8] = struct.pack("<I", count * repeats)
    plain = workdir / f"synthetic-{label}.dbf"
    with open(plain, "wb") as fh:
        fh.write(header)
        for _ in range(repeats):
            fh.write(records)
        fh.write(b"\x1a")
    arrow_sus.dbf_to_dbc(plain, out)
    plain.unlink()
    return out


# ---- report ----


def _ratios(result: dict[str, Any], baselines: tuple[dict[str, Any] | None, ...], key: str) -> list[str]:
    """How many times slower `result` is than each baseline (two columns, blank when there is none)."""
    ratios = [f"{result[key] / base[key]:.0f}x" if base else "" for base in baselines]
    return ratios + [""] * (2 - len(ratios))


def probe_row(label: str, result: dict[str, Any] | None) -> str:
    """One line of the fresh-memory table: the probe before each run of a case, the reported run's in bold."""
    if result is None:
        return f"| {label} | did not finish |"
    first, *others = (f"{gbps:.2f}" if gbps is not None else "?" for gbps in result["fresh_memory_gbps"])
    return f"| {label} | {', '.join([f'**{first}**', *others])} |"


def row(label: str, result: dict[str, Any] | None, dbf_bytes: int, *baselines: dict[str, Any] | None) -> str:
    """One table line; for a peer, how many times slower it is than each arrow-sus baseline run."""
    if result is None:
        return f"| {label} | did not finish | | | | | | | |"
    mb_s = dbf_bytes / result["seconds"] / 1e6
    cpu_mb_s = dbf_bytes / max(result["cpu_seconds"], 1e-9) / 1e6
    # The kernel splits CPU time into user and system by ticks: meaningless below a tenth of a second.
    user_mb_s = f"{dbf_bytes / result['user_seconds'] / 1e6:,.0f}" if result["user_seconds"] >= 0.1 else ""
    ratios = _ratios(result, baselines, "seconds")
    return (
        f"| {label} | {result['seconds']:.3f} | {result['rows'] / result['seconds']:,.0f} | {mb_s:,.0f} | "
        f"{cpu_mb_s:,.0f} | {user_mb_s} | {result['peak_rss_mb']:,.0f} | {' | '.join(ratios)} |"
    )


def session_row(label: str, result: dict[str, Any] | None, dbf_bytes: int, *baselines: dict[str, Any] | None) -> str:
    """One line of the in-session table: a later read in the same interpreter, against the same of each baseline."""
    if result is None:
        return f"| {label} | did not finish | | | |"
    seconds = result["session_seconds"]
    ratios = _ratios(result, baselines, "session_seconds")
    return f"| {label} | {seconds:.4f} | {dbf_bytes / seconds / 1e6:,.0f} | {' | '.join(ratios)} |"


SESSION_HEADER = (
    "| case | seconds | MB/s of DBF | slower than arrow-sus -> pandas | slower than arrow-sus -> Arrow |\n"
    "| --- | ---: | ---: | ---: | ---: |"
)

HEADER = (
    "| case | seconds | rows/s | MB/s of DBF (wall) | MB/s per CPU-second | MB/s per user-CPU-second | peak RSS MB "
    "| slower than arrow-sus -> pandas | slower than arrow-sus -> Arrow |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--synthetic-mb", type=int, default=1024, help="MB of DBF per synthetic file (0: none)")
    parser.add_argument("--peer-files", default=",".join(DEFAULT_PEER_FILES), help="peers' corpus files ('': none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the fastest is reported")
    parser.add_argument(
        "--session-runs",
        type=int,
        default=3,
        help="reads of each peer file per interpreter: the first shows a fresh process, the later ones a session "
        "that has read a file before (1: fresh processes only)",
    )
    parser.add_argument(
        "--probe-memory",
        action="store_true",
        help=f"before each run of a whole-table case, time a fresh interpreter touching {PROBE_MB} MB of new "
        "memory: the machine's cost of fresh pages at that moment, printed beside the results",
    )
    parser.add_argument("--peer-timeout", type=float, default=900.0)
    parser.add_argument("--workdir", default=None, help="where synthetic files are kept (default: a temp dir)")
    parser.add_argument("--out", default=None, help="also write the report (markdown) to this file")
    parser.add_argument(
        "--mimalloc-no-thp",
        action="store_true",
        help="run the cases with MIMALLOC_ALLOW_THP=0: pyarrow's allocator then uses 4 KiB pages, which gives steady "
        "timings for materialised tables where transparent huge pages make them vary (see bench/README.md)",
    )
    args = parser.parse_args()
    if args.child:
        _child(json.loads(args.child))
        return
    global REPEAT
    REPEAT = max(1, args.repeat)
    if args.mimalloc_no_thp:
        os.environ["MIMALLOC_ALLOW_THP"] = "0"  # inherited by every case's interpreter
    if not CORPUS.is_dir():
        sys.exit(f"corpus not found at {CORPUS}: set ARROW_SUS_CORPUS")

    lines: list[str] = [
        f"cores: {os.cpu_count()}, synthetic size: {args.synthetic_mb} MB of DBF per file, best of {REPEAT} runs"
        + (", MIMALLOC_ALLOW_THP=0" if args.mimalloc_no_thp else ""),
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        synthetic = SYNTHETIC_SOURCES if args.synthetic_mb > 0 else []
        lines += ["### Synthetic large files (arrow-sus)", "", HEADER] if synthetic else []
        probe_rows: list[str] = []  # with --probe-memory: the probes before each whole-table run
        for label, name in synthetic:
            path = str(build_synthetic(label, CORPUS / name, args.synthetic_mb, workdir))
            size = _dbf_size(path)
            table_args = dict(probe=args.probe_memory, path=path, columns=None, to_pandas=False)
            single = measure("arrow_sus", use_threads=False, **table_args)
            threaded = measure("arrow_sus", use_threads=True, **table_args)
            stream = measure("arrow_sus_stream", path=path, use_threads=True)
            lines.append(row(f"{label}: all columns, 1 thread", single, size))
            lines.append(row(f"{label}: all columns, all cores", threaded, size))
            lines.append(row(f"{label}: streaming, batches dropped", stream, size))
            if args.probe_memory:
                probe_rows.append(probe_row(f"{label}: all columns, 1 thread", single))
                probe_rows.append(probe_row(f"{label}: all columns, all cores", threaded))
            if single and threaded:
                lines.append(f"| {label}: all cores / 1 thread | {single['seconds'] / threaded['seconds']:.2f}x |")
            import arrow_sus

            fields = [f[0] for f in arrow_sus.reader_header(arrow_sus.open_dbc(path))["fields"]]
            if len(fields) >= 100:
                five = fields[:: len(fields) // 5][:5]
                projected = measure("arrow_sus", path=path, use_threads=False, columns=five, to_pandas=False)
                lines.append(row(f"{label}: 5 of {len(fields)} columns, 1 thread", projected, size))
                if single and projected:
                    ratio = single["seconds"] / projected["seconds"]
                    lines.append(f"| {label}: 5 columns / all columns | {ratio:.2f}x |")
        if probe_rows:
            lines += [
                "",
                f"Fresh memory just before each run: GB/s at which a fresh interpreter got {PROBE_MB} MB of new "
                "huge-page memory backed (the reported run's in bold). A table read allocates about as much.",
                "",
                "| case | fresh memory before each run (GB/s) |",
                "| --- | --- |",
                *probe_rows,
            ]
        lines += ["", "### Peers on real files (-> pandas unless noted)", ""]
        for name in filter(None, args.peer_files.split(",")):
            path = str(CORPUS / name)
            size = _dbf_size(path)
            lines += [f"**{name}** ({size / 1e6:.1f} MB of DBF), first read in a fresh interpreter", "", HEADER]
            session = max(1, args.session_runs)
            ours = measure(
                "arrow_sus", session_runs=session, path=path, use_threads=True, columns=None, to_pandas=False
            )
            ours_pd = measure(
                "arrow_sus", session_runs=session, path=path, use_threads=True, columns=None, to_pandas=True
            )
            baselines = {"arrow-sus -> Arrow table": ours, "arrow-sus -> pandas (large_strings)": ours_pd}
            lines += [row(label, result, size) for label, result in baselines.items()]
            peers = {
                peer: measure(peer, timeout=args.peer_timeout, session_runs=session, path=path)
                for peer in ("pyreaddbc+dbfread", "datasus-dbc+dbfread", "climasus-readdbc")
            }
            lines += [row(peer, result, size, ours_pd, ours) for peer, result in peers.items()]
            if session > 1:
                lines += ["", f"{name} read again in the same interpreter (fastest of reads 2-{session}):", ""]
                lines += [SESSION_HEADER, *(session_row(label, result, size) for label, result in baselines.items())]
                lines += [session_row(peer, result, size, ours_pd, ours) for peer, result in peers.items()]
            lines.append("")
    report = "\n".join(lines)
    print(report)
    if args.out:
        Path(args.out).write_text(report + "\n")


if __name__ == "__main__":
    main()
