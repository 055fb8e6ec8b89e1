"""Peak memory of whole queries (issue 19, "Memory": 500 MB for any query) over a synthetic SIH-RD mirror.

Each query runs in a fresh child process and its peak RSS is the child's own (``os.wait4``'s ``ru_maxrss``):
``arrow-sus get ... -o out.parquet`` with the cache cold (an empty cache directory) and then warm (the same
command again), ``Scan.to_parquet`` and a streamed scan (``Scan.stream``, batches dropped as they come), over
1, 12 and 48 files, every column and 5 columns with a filter.

The mirror (``file://``) holds 12 states x 4 months of SIH-RD (``RD{UF}23{MM}.dbc``), each file the real
records of ../shared/corpus/RDAC2401.dbc repeated to ``--rows-per-file`` and compressed with arrow-sus's own
DCL encoder (the generator of ``bench_scan.py``); it is built once under --workdir.

    python bench/bench_memory.py                          # 1, 12 and 48 files of 325,000 rows
    python bench/bench_memory.py --files 12 --cases get   # one size, one kind of query
    python bench/bench_memory.py --compare /tmp/base --runs 3   # before/after in one run, alternated

``--compare DIR`` runs every query a second time with ``DIR`` first on ``PYTHONPATH`` (another build of
``arrow_sus`` copied there: the "before"), alternating the two, ``--runs`` times each; each line then shows the
median and the range of each build's peaks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import arrow_sus
from bench_scan import SIH_DIR, corpus_file, synthetic_dbf

UFS = ["AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS"]
MONTHS = [1, 2, 3, 4]
#: What each file count selects: (states, months).
SELECTIONS = {1: (UFS[:1], MONTHS[:1]), 12: (UFS, MONTHS[:1]), 48: (UFS, MONTHS)}
#: The narrow query: 5 columns and a filter on one of them.
FIVE_COLUMNS = ["MUNIC_RES", "SEXO", "IDADE", "DIAG_PRINC", "VAL_TOT"]
WHERE = "SEXO = '3'"
FILTER = [("SEXO", "=", "3")]  # the same, for scan()
CASES = ("get", "to_parquet", "stream")
LIMIT_MB = 500


def build_mirror(workdir: Path, rows_per_file: int) -> Path:
    """Writes the 48-file mirror once (one .dbc, copied under every name) and returns its root."""
    mirror = workdir / f"mirror-{rows_per_file}"
    marker = mirror / ".done"
    if marker.exists():
        return mirror
    shutil.rmtree(mirror, ignore_errors=True)
    template = arrow_sus.decompress_dbc(corpus_file("RDAC2401.dbc").read_bytes())
    dbc = arrow_sus.compress_dbf(synthetic_dbf(template, rows_per_file))
    for uf in UFS:
        for month in MONTHS:
            target = mirror / SIH_DIR / f"RD{uf}23{month:02d}.dbc"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(dbc)
    marker.write_text("ok")
    return mirror


def peak_rss(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Runs `command` to completion; returns its wall seconds and its own peak RSS in MB."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        assert child.stderr is not None
        sys.exit(f"{' '.join(command)} failed:\n{child.stderr.read().decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024


def python_query(mirror: Path, ufs: list[str], months: list[int], narrow: bool, out: Path | None) -> list[str]:
    """A Python child running one scan: written with ``to_parquet`` when `out` is given, else streamed."""
    kwargs = {"uf": ufs, "year": 2023, "month": months, "cache": False}
    if narrow:
        kwargs["columns"] = FIVE_COLUMNS
    filters = FILTER if narrow else None
    code = textwrap.dedent(
        f"""
        import json, arrow_sus
        kwargs = json.loads({json.dumps(json.dumps(kwargs))})
        s = arrow_sus.scan("sih-rd", source={mirror.as_uri()!r}, filters={filters!r}, **kwargs)
        if {str(out)!r} != "None":
            s.to_parquet({str(out)!r}, overwrite=True)
        else:
            for batch in s.stream():
                pass
        """
    )
    return [sys.executable, "-c", code]


def cli_get(mirror: Path, ufs: list[str], months: list[int], narrow: bool, out: Path) -> list[str]:
    """``arrow-sus get`` of the selection into `out`."""
    command = [str(Path(sys.executable).with_name("arrow-sus")), "get", "sih-rd", "-o", str(out), "--overwrite"]
    command += ["--uf", ",".join(ufs), "--year", "2023", "--month", ",".join(map(str, months))]
    command += ["--source", mirror.as_uri(), "--quiet"]
    if narrow:
        command += ["--columns", ",".join(FIVE_COLUMNS), "--where", WHERE]
    return command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/arrow-sus-bench-memory"))
    parser.add_argument("--rows-per-file", type=int, default=325_000, help="records per file (3.9 M in 12 files)")
    parser.add_argument("--files", type=int, nargs="+", choices=sorted(SELECTIONS), default=sorted(SELECTIONS))
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--narrow-only", action="store_true", help="only the 5-column filtered queries")
    parser.add_argument("--wide-only", action="store_true", help="only the queries of every column")
    parser.add_argument("--runs", type=int, default=1, help="runs of each query (each build)")
    parser.add_argument("--compare", type=Path, help="a directory holding another arrow_sus build (before)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    mirror = build_mirror(args.workdir, args.rows_per_file)
    out = args.workdir / "out.parquet"
    results: list[dict] = []
    print(f"peak RSS (MB) of each query in its own process, limit {LIMIT_MB} MB; {args.rows_per_file:,} rows per file")
    builds = {"after": None} if args.compare is None else {"before": str(args.compare), "after": None}
    shapes = (True,) if args.narrow_only else (False,) if args.wide_only else (False, True)
    for n in args.files:
        ufs, months = SELECTIONS[n]
        for narrow in shapes:
            columns = "5 columns + filter" if narrow else "all columns"
            queries: list[tuple[str, list[str]]] = []
            if "get" in args.cases:
                command = cli_get(mirror, ufs, months, narrow, out)
                queries += [("get (cold cache)", command), ("get (warm cache)", command)]
            if "to_parquet" in args.cases:
                queries.append(("Scan.to_parquet", python_query(mirror, ufs, months, narrow, out)))
            if "stream" in args.cases:
                queries.append(("Scan.stream", python_query(mirror, ufs, months, narrow, None)))
            peaks: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.runs):
                for build, pythonpath in builds.items():
                    env = dict(os.environ)
                    if pythonpath is not None:
                        env["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, env.get("PYTHONPATH")]))
                    cache = args.workdir / f"cache-{build}"
                    shutil.rmtree(cache, ignore_errors=True)  # the first get of each run is cold
                    env["ARROW_SUS_CACHE"] = str(cache)
                    for label, command in queries:
                        seconds, mb = peak_rss(command, env)
                        peaks.setdefault((label, build), []).append(mb)
                        results.append(
                            {"files": n, "columns": columns, "query": label, "build": build, "peak_rss_mb": mb}
                            | {"seconds": seconds}
                        )
            for label, _ in queries:
                cells = []
                for build in builds:
                    mbs = peaks[(label, build)]
                    flag = "" if max(mbs) <= LIMIT_MB else " > limit"
                    spread = f" ({min(mbs):.0f}-{max(mbs):.0f})" if len(mbs) > 1 else ""
                    cells.append(f"{build} {statistics.median(mbs):5.0f} MB{spread}{flag}")
                print(f"{n:>3} files, {columns:<18} {label:<17} " + ";  ".join(cells), flush=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = Path(__file__).resolve().parent / "results" / f"memory-{stamp}.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps({"rows_per_file": args.rows_per_file, "results": results}, indent=2))


if __name__ == "__main__":
    main()
