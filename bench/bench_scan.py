"""Scan benchmarks (issue: the main job): a synthetic SIH-RD mirror of many files, scanned end to end.

Measures, in one run:
  1. a scan over the whole mirror (>= 5 GB of DBF by default), cache off, on one core (taskset) and on
     both, in file order (the default) and with ``ordered=False``, best of 3 fresh processes each: wall
     time, DBF MB/s, rows/s and peak RSS (VmHWM of the scanning process);
  2. time against size: a quarter, half and all of the files;
  3. the warm cache: one 250,000-row month, cold (no cache) vs the cache-filling pass vs warm re-reads, in
     each converted-cache format (Arrow IPC, Parquet): all columns, 5 projected columns, 5 columns filtered;
  4. against PySUS (``--pysus-python``: a Python with ``pysus`` installed, e.g. a separate venv), from the
     same local files: PySUS's path (pyreaddbc ``dbc2dbf`` + ``pysus.data.dbf_reader.read_dbf_fast``) vs
     ``arrow_sus.scan(...).to_pandas()``, for that SIH-RD month and one SINAN year (ZIKABR21 records, 500,000
     rows): wall time and peak RSS.

The mirror is made from the real records of ../shared/corpus/RDAC2401.dbc (SIH-RD, Acre, 2024-01),
repeated, and compressed with arrow-sus's own DCL encoder; it is built once under --workdir.

    python bench/bench_scan.py                      # 5 GB mirror in /tmp/arrow-sus-bench
    python bench/bench_scan.py --total-gb 1 --quick # a smaller run while developing
    python bench/bench_scan.py --warm-cache-only    # only 3.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import arrow_sus
from arrow_sus.cache import CACHE_FORMATS, DEFAULT_CACHE_FORMAT

ROOT = Path(__file__).resolve().parents[1]
UFS = ["AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA", "PB", "PE", "PI", "PR"]
SIH_DIR = "SIHSUS/200801_/Dados"


def corpus_file(name: str) -> Path:
    base = Path(os.environ.get("ARROW_SUS_CORPUS", ROOT.parent / "shared" / "corpus"))
    path = base / name
    if not path.exists():
        sys.exit(f"{path} not found: the benchmark builds its mirror from real records (set ARROW_SUS_CORPUS)")
    return path


def synthetic_dbf(template: bytes, rows: int) -> bytes:
    """The template DBF's header with `rows` records made by repeating its records."""
    header_len, record_len = struct.unpack_from("<HH", template, 8)
    count = struct.unpack_from("<I", template, 4)[0]
    records = template[header_len : header_len + count * record_len]
    reps, rest = divmod(rows, count)
    header = bytearray(template[:header_len])
    struct.pack_into("<I", header, 4, rows)
    return bytes(header) + records * reps + records[: rest * record_len] + b"\x1a"


def build_mirror(workdir: Path, total_gb: float, file_mb: int) -> tuple[Path, list[str], int]:
    """Writes the mirror (once) and returns its root, the files and the DBF bytes they hold."""
    template = arrow_sus.decompress_dbc(corpus_file("RDAC2401.dbc").read_bytes())
    record_len = struct.unpack_from("<H", template, 10)[0]
    rows_per_file = int(file_mb * 1e6 // record_len)
    n_files = max(1, round(total_gb * 1e3 / file_mb))
    mirror = workdir / "mirror"
    marker = workdir / f"mirror-{n_files}x{rows_per_file}.done"
    names = []
    for i in range(n_files):
        uf, month = UFS[i % len(UFS)], 1 + (i // len(UFS)) % 12
        names.append(f"{SIH_DIR}/RD{uf}23{month:02d}.dbc")
    if not marker.exists():
        shutil.rmtree(mirror, ignore_errors=True)
        dbf = synthetic_dbf(template, rows_per_file)
        dbc = arrow_sus.compress_dbf(dbf)
        for name in names:
            target = mirror / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(dbc)
        marker.write_text("ok")
    dbf_bytes = n_files * (len(template) - 1 - struct.unpack_from("<I", template, 4)[0] * record_len)
    dbf_bytes += n_files * (rows_per_file * record_len + 1)
    return mirror, names, dbf_bytes


def drop_page_cache() -> None:
    """Empties the kernel's page cache (root only), so the next reads come from the disk."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def run_scan(mirror: Path, kwargs: dict, cores: str | None = None, from_disk: bool = False) -> dict:
    """One scan in a fresh process (so peak RSS is the scan's own): wall time, rows and VmHWM. ``from_disk``:
    with the page cache emptied first."""
    code = textwrap.dedent(
        f"""
        import json, time, arrow_sus
        kwargs = json.loads({json.dumps(json.dumps(kwargs))})
        start = time.perf_counter()
        s = arrow_sus.scan("sih-rd", source={mirror.as_uri()!r}, **kwargs)
        rows = 0
        for batch in s.stream():
            rows += batch.num_rows
        seconds = time.perf_counter() - start
        hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
        print(json.dumps({{"seconds": seconds, "rows": rows, "peak_rss_mb": hwm / 1024, "stats": s.stats.as_dict()}}))
        """
    )
    command = [sys.executable, "-c", code]
    if cores is not None:
        command = ["taskset", "-c", cores, *command]
    if from_disk:
        drop_page_cache()
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_python(python: str, code: str) -> dict:
    """Runs `code` (which prints one JSON line) in a fresh `python`; adds its peak RSS."""
    tail = textwrap.dedent(
        """
        hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
        result["peak_rss_mb"] = hwm / 1024
        print(json.dumps(result))
        """
    )
    out = subprocess.run([python, "-c", textwrap.dedent(code) + tail], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare_pysus(args: argparse.Namespace, month_dir: Path, sih_template: bytes) -> dict:
    """PySUS's reading path and ours on the same local .dbc files, each in a fresh process."""
    sinan_dir = args.workdir / "sinan"
    sinan = sinan_dir / "SINAN/DADOS/FINAIS/ZIKABR21.dbc"
    if not sinan.exists():
        sinan.parent.mkdir(parents=True, exist_ok=True)
        zika = arrow_sus.decompress_dbc(corpus_file("ZIKABR21.dbc").read_bytes())
        sinan.write_bytes(arrow_sus.compress_dbf(synthetic_dbf(zika, 500_000)))
    cases = {
        "sih-rd month (250k rows)": (
            month_dir / f"{SIH_DIR}/RDAC2401.dbc",
            month_dir,
            "sih-rd",
            {"uf": "AC", "year": 2024, "month": 1},
        ),
        "sinan-zika year (500k rows)": (sinan, sinan_dir, "sinan-zika", {"year": 2021}),
    }
    report = {}
    for label, (dbc, mirror, dataset, part) in cases.items():
        pysus = run_python(
            args.pysus_python,
            f"""
            import json, os, tempfile, time
            from pyreaddbc import dbc2dbf
            from pysus.data.dbf_reader import read_dbf_fast
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as tmp:
                dbf = os.path.join(tmp, "x.dbf")
                dbc2dbf({str(dbc)!r}, dbf)
                frame = read_dbf_fast(dbf)
            result = {{"seconds": time.perf_counter() - start, "rows": len(frame)}}
            """,
        )
        ours = run_python(
            sys.executable,
            f"""
            import json, time, arrow_sus
            start = time.perf_counter()
            frame = arrow_sus.scan({dataset!r}, source={mirror.as_uri()!r}, cache=False, **{part!r}).to_pandas()
            result = {{"seconds": time.perf_counter() - start, "rows": len(frame)}}
            """,
        )
        report[label] = {"pysus": pysus, "arrow_sus": ours}
        print(
            f"{label}: PySUS {pysus['seconds']:.2f} s / {pysus['peak_rss_mb']:.0f} MB, "
            f"arrow-sus {ours['seconds']:.2f} s / {ours['peak_rss_mb']:.0f} MB "
            f"({pysus['seconds'] / ours['seconds']:.1f}x faster)"
        )
    return report


def warm_cache_month(workdir: Path) -> tuple[Path, bytes]:
    """A mirror holding one synthetic 250,000-row SIH-RD month (RDAC2401's records, repeated); built once."""
    month_dir = workdir / "month"
    template = arrow_sus.decompress_dbc(corpus_file("RDAC2401.dbc").read_bytes())
    target = month_dir / f"{SIH_DIR}/RDAC2401.dbc"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(arrow_sus.compress_dbf(synthetic_dbf(template, 250_000)))
    return month_dir, template


def best_of(runs: int, mirror: Path, kwargs: dict, cores: str | None = None, from_disk: bool = False) -> dict:
    """The fastest of `runs` scans, each in a fresh process."""
    return min((run_scan(mirror, kwargs, cores, from_disk) for _ in range(runs)), key=lambda r: r["seconds"])


def measure_warm_cache(workdir: Path, month_dir: Path, runs: int = 3, from_disk: bool = False) -> dict:
    """Cold path (no cache) against the cache-filling pass and warm re-reads, in each converted-cache format:
    all 113 columns, 5 projected columns, and 5 columns with a filter (SEXO = '3' and IDADE >= 60).
    ``from_disk``: also every column with the page cache emptied before each run (the files come from the
    disk, as after a reboot or in a cache larger than memory)."""
    one_month = {"uf": "AC", "year": 2024, "month": 1}
    projected = {"columns": ["DT_INTER", "SEXO", "IDADE", "DIAG_PRINC", "VAL_TOT"]}
    filtered = {**projected, "filters": "SEXO = '3' and IDADE >= 60"}
    cases = {"all columns": {}, "5 columns": projected, "5 columns, filtered": filtered}
    cold = {name: best_of(runs, month_dir, {**one_month, **extra, "cache": False}) for name, extra in cases.items()}
    dbc_bytes = (month_dir / f"{SIH_DIR}/RDAC2401.dbc").stat().st_size
    print(f"250k-row SIH-RD month ({dbc_bytes / 1e6:.1f} MB .dbc), best of {runs}, seconds:")
    print("  cold (no cache): " + ", ".join(f"{name} {r['seconds']:.3f}" for name, r in cold.items()))
    results: dict[str, object] = {"dbc_bytes": dbc_bytes, "cold": cold}
    if from_disk:
        cold_disk = best_of(runs, month_dir, {**one_month, "cache": False}, from_disk=True)
        results["cold_from_disk"] = cold_disk
        print(f"  cold, all columns, page cache emptied first: {cold_disk['seconds']:.3f}")
    for fmt in CACHE_FORMATS:
        cache_dir = workdir / f"cache-{fmt}"
        shutil.rmtree(cache_dir, ignore_errors=True)
        cached = {**one_month, "cache_dir": str(cache_dir), "cache_format": fmt}
        fill = run_scan(month_dir, cached)
        size = sum(p.stat().st_size for p in (cache_dir / "converted").rglob("*") if p.is_file())
        warm = {name: best_of(runs, month_dir, {**cached, **extra}) for name, extra in cases.items()}
        assert all(w["stats"]["files_from_cache"] == 1 for w in warm.values()), "not read from the cache"
        results[fmt] = {"fill": fill, "bytes_on_disk": size, "warm": warm}
        speedups = ", ".join(
            f"{name} {r['seconds']:.3f} ({cold['all columns']['seconds'] / r['seconds']:.1f}x)"
            for name, r in warm.items()
        )
        if from_disk:
            disk = best_of(runs, month_dir, cached, from_disk=True)
            results[fmt]["warm_from_disk"] = disk  # type: ignore[index]
            ratio = cold_disk["seconds"] / disk["seconds"]
            speedups += f"; all columns from disk {disk['seconds']:.3f} ({ratio:.1f}x the cold path from disk)"
        label = f"{fmt} (default)" if fmt == DEFAULT_CACHE_FORMAT else fmt
        print(f"  {label:26}: filling {fill['seconds']:.3f}, {size / 1e6:.0f} MB on disk; warm: {speedups}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total-gb", type=float, default=5.0, help="DBF gigabytes in the mirror")
    parser.add_argument("--file-mb", type=int, default=256, help="DBF megabytes per file")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/arrow-sus-bench"))
    parser.add_argument("--quick", action="store_true", help="skip the one-core and linearity runs")
    parser.add_argument("--pysus-python", help="a Python interpreter with pysus installed, for the comparison")
    parser.add_argument("--warm-cache-only", action="store_true", help="only the warm-cache measurements (3.)")
    parser.add_argument(
        "--from-disk", action="store_true", help="3. also with the page cache emptied before each run (needs root)"
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.warm_cache_only:
        month_dir, _ = warm_cache_month(args.workdir)
        save({"warm_cache": measure_warm_cache(args.workdir, month_dir, from_disk=args.from_disk)})
        return

    t0 = time.perf_counter()
    mirror, names, dbf_bytes = build_mirror(args.workdir, args.total_gb, args.file_mb)
    print(f"mirror: {len(names)} files, {dbf_bytes / 1e9:.2f} GB of DBF ({time.perf_counter() - t0:.0f} s to build)")
    everything = {"year": 2023, "cache": False}
    results: dict[str, object] = {"files": len(names), "dbf_gb": dbf_bytes / 1e9}

    runs = 1 if args.quick else 3
    both = best_of(runs, mirror, everything)
    unordered = best_of(runs, mirror, {**everything, "ordered": False})
    results["two_cores"], results["two_cores_unordered"] = both, unordered
    for label, r in (("two cores (ordered)", both), ("two cores, ordered=False", unordered)):
        print(
            f"{label:<25}: {r['seconds']:.2f} s, {dbf_bytes / 1e6 / r['seconds']:.0f} MB/s, "
            f"{r['rows'] / r['seconds'] / 1e6:.2f} M rows/s, peak RSS {r['peak_rss_mb']:.0f} MB"
        )
    if not args.quick:
        one = best_of(runs, mirror, everything, cores="0")
        results["one_core"] = one
        print(
            f"{'one core':<25}: {one['seconds']:.2f} s, {dbf_bytes / 1e6 / one['seconds']:.0f} MB/s, "
            f"peak RSS {one['peak_rss_mb']:.0f} MB -> speed-up with two: "
            f"{one['seconds'] / both['seconds']:.2f}x ordered, {one['seconds'] / unordered['seconds']:.2f}x unordered"
        )
        linear = []
        for fraction in (0.25, 0.5):
            months = sorted({int(n[-6:-4]) for n in names[: max(1, int(len(names) * fraction))]})
            ufs = sorted({n.split("/")[-1][2:4] for n in names[: max(1, int(len(names) * fraction))]})
            r = run_scan(mirror, {**everything, "uf": ufs, "month": months})
            linear.append({"fraction": fraction, **r})
            print(
                f"{fraction:>4.0%} size: {r['rows']:,} rows in {r['seconds']:.1f} s "
                f"({r['rows'] / r['seconds'] / 1e6:.2f} M rows/s)"
            )
        results["linearity"] = linear

    month_dir, template = warm_cache_month(args.workdir)
    results["warm_cache"] = measure_warm_cache(args.workdir, month_dir, from_disk=args.from_disk)
    if args.pysus_python:
        results["pysus"] = compare_pysus(args, month_dir, template)
    save(results)


def save(results: dict) -> None:
    """Writes the results as JSON under bench/results/."""
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"scan-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
