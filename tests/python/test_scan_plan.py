"""One plan, many requests: ``download`` and ``scan`` pick the same files (the engine's dataset discovery),
narrowing a scan (projections, Polars' pushdown) reuses its plan, and ``explain()`` shows the plan."""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import corpus_dir
from remote_servers import PUBLIC_ROOT, FtpServer
from scan_mirror import build_sih_mirror

import arrow_sus
from arrow_sus.catalog import dataset_info, try_parse_path

pl = pytest.importorskip("polars")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_lazy_collect_twice_reads_each_header_once(tmp_path: Path, cache_dir: Path) -> None:
    files = build_sih_mirror(tmp_path / "srv" / PUBLIC_ROOT, ufs=("AC", "RJ"), periods=((2013, 1), (2013, 2)))
    server = FtpServer(tmp_path / "srv")
    try:
        s = arrow_sus.scan("sih-rd", year=2013, source=server.url)
        frame = s.lazy().filter(pl.col("SEXO") == "3").select("DIAG_PRINC", "VAL_TOT")
        first = frame.collect()
        second = s.lazy().select("SEXO").collect()
        assert first.height > 0 and second.height == sum(f.rows for f in files)
        # Per file: one ranged read of its header (the plan every narrowed request shares) and one download
        # (kept in the raw cache for the second request).
        assert server.faults.retr_count == {Path(f.path).name: 2 for f in files}
        assert s.explain().count("from raw cache") == 0  # the plan is the one made before anything ran
    finally:
        server.stop()


def test_explain_shows_files_columns_and_filter_before_reading(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "m"
    files = build_sih_mirror(root, ufs=("AC",), periods=((2013, 1),))
    s = arrow_sus.scan(
        "sih-rd", year=2013, source=root.as_uri(), columns=["SEXO", "VAL_TOT"], filters=[("SEXO", "=", "3")]
    )
    text = s.explain()
    assert text.splitlines()[0].startswith(f"scan sih-rd from {root.as_uri()}: 1 files")
    assert f"{files[0].path}" in text and "from mirror, fills the converted cache" in text
    assert "filter before presentation (raw bytes or typed values): SEXO = '3'" in text
    assert s.stats.files_done == 0  # nothing ran
    assert not list(cache_dir.rglob("*.arrow"))
    s.to_arrow()
    warm = arrow_sus.scan("sih-rd", year=2013, source=root.as_uri(), columns=["SEXO"], cache=True).explain()
    assert "from converted cache" in warm and "columns (1): SEXO" in warm
    cold = arrow_sus.scan("sih-rd", year=2013, source=root.as_uri(), columns=["SEXO"], cache=False).explain()
    assert "from mirror" in cold and "fills" not in cold and "columns (1): SEXO" in cold


def test_explain_as_a_mermaid_diagram_groups_files_by_route(tmp_path: Path, cache_dir: Path) -> None:
    root = tmp_path / "m"
    files = build_sih_mirror(root, ufs=("AC", "RJ"), periods=((2013, 1), (2013, 2)))
    s = arrow_sus.scan("sih-rd", year=2013, source=root.as_uri(), columns=["SEXO"], filters=[("SEXO", "=", "3")])
    diagram = s.explain(format="mermaid")
    lines = diagram.splitlines()
    assert lines[0] == "flowchart LR"
    assert f'src --> f0["{len(files)} files,' in diagram  # one route for all: one node
    assert re.search(r'f0 --> s0\["read from mirror, fills the cache<br/>\d+ columns converted<br/>', diagram)
    assert "filter before presentation: SEXO = '3'" in diagram
    assert lines[-1].startswith('  out[/"sih-rd: 1 columns')
    assert s.stats.files_done == 0  # nothing ran
    with pytest.raises(arrow_sus.InvalidArgumentError):
        s.explain(format="dot")


def _link(source: Path, root: Path, server_path: str) -> None:
    """``source`` placed in the mirror at ``root`` under its server path (``/dissemin/publicos/...``)."""
    target = root / server_path.removeprefix("/dissemin/publicos/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.symlink(source, target)


def _corpus_mirror(root: Path) -> dict[str, set[tuple[str | None, int | None]]]:
    """A mirror of the corpus's data files under their server directories, plus, to exercise the selection
    rules, a preliminary twin of every file of a dataset publishing them and split parts beside every file of
    a dataset split into parts. Returns the (uf, year) partitions present per dataset."""
    corpus = corpus_dir()
    assert corpus is not None
    present: dict[str, set[tuple[str | None, int | None]]] = defaultdict(set)
    for path in sorted(corpus.iterdir()):
        ref = try_parse_path(path.name)
        if ref is None or not ref.directory or ref.placeholder or ref.part:
            continue
        info = dataset_info(ref.dataset)
        if info["kind"] != "data":
            continue
        _link(path, root, ref.directory + "/" + path.name)
        # The file again under a period its dataset publishes both as final and as preliminary.
        twins = [lay for lay in info["layouts"] if lay["preliminary"] and lay["first"]]
        if twins and ref.uf:
            year = twins[0]["first"] // 100
            month = 1 if info["periodicity"] == "monthly" else None
            for candidate in arrow_sus.paths(ref.dataset, uf=ref.uf, year=year, month=month):
                _link(path, root, candidate)
            present[ref.dataset].add((ref.uf, year))
        if any("{PART" in p for lay in info["layouts"] for p in lay["patterns"]):
            stem, dot, ext = path.name.rpartition(".")
            for part in ("a", "b"):
                _link(path, root, f"{ref.directory}/{stem}{part}{dot}{ext}")
        present[ref.dataset].add((ref.uf, ref.year))
    return present


def test_download_and_scan_pick_the_same_files_across_the_corpus(tmp_path: Path, cache_dir: Path) -> None:
    if corpus_dir() is None:
        pytest.skip("DATASUS corpus not found: set ARROW_SUS_CORPUS or place it at ../shared/corpus")
    root = tmp_path / "mirror"
    present = _corpus_mirror(root)
    assert present, "no corpus file is a data file the catalog places"
    for dataset, partitions in sorted(present.items()):
        ufs = sorted({uf for uf, _ in partitions if uf}) or None
        years = sorted({year for _, year in partitions if year}) or None
        listed = arrow_sus.list_files(dataset, uf=ufs, year=years, source=root.as_uri())
        s = arrow_sus.scan(dataset, uf=ufs, year=years, source=root.as_uri(), cache=False)
        summary = arrow_sus.download(
            dataset, uf=ufs, year=years, source=root.as_uri(), dest=tmp_path / "dl", progress=False
        )
        fetched = sorted(str(r.identity.path) for r in summary.downloaded + summary.up_to_date)
        picked = sorted(f.path for f in s._files)
        assert fetched == picked, dataset
        # Never a preliminary file beside its final one, never a part beside its whole file.
        assert len(picked) < len(listed) or not any(f.preliminary or f.part for f in listed), dataset
