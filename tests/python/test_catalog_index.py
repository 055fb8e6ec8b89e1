"""Versioned file index: building, loading from a local file and a local HTTP server, caching, fallback."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import arrow_sus
from arrow_sus.cache import cache_dir
from arrow_sus.catalog import current_index, index_from_listing, load_index, refresh

LISTING = [
    ("/dissemin/publicos/SIHSUS/200801_/Dados/RDSP2301.dbc", 123, "2023-03-01T10:00:00"),
    ("/dissemin/publicos/SIASUS/200801_/Dados/PASP2301a.dbc", 456, "2023-03-02T10:00:00"),
    ("/dissemin/publicos/SINAN/DADOS/PRELIM/DENGBR25.dbc", 789, "2025-02-05T15:15:00"),
    ("/dissemin/publicos/UNKNOWN/README.txt", 1, "2020-01-01T00:00:00"),
]


def write_index(path: Path, generated_at: str) -> Path:
    doc = index_from_listing(LISTING, source="ftp://ftp.datasus.gov.br", generated_at=generated_at)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture()
def http_dir(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static HTTP server on 127.0.0.1 serving a temporary directory; stopped after the test."""
    served = tmp_path / "www"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_index_document_format() -> None:
    doc = index_from_listing(LISTING, source="test", generated_at="2026-04-30T00:00:00Z")
    assert doc["format"] == "arrow-sus/file-index" and doc["format_version"] == 1
    assert doc["catalog_version"] == arrow_sus.catalog.version()
    assert doc["files"][0] == {"path": LISTING[0][0], "size": 123, "mtime": LISTING[0][2]}


def test_listing_without_sizes_or_mtimes(tmp_path: Path) -> None:
    entries = [{"path": LISTING[0][0], "size": None, "mtime": None}]
    source = tmp_path / "index.json"
    source.write_text(json.dumps(index_from_listing(entries, source="t", generated_at="2026-05-01T00:00:00Z")))
    index = refresh(source, directory=tmp_path / "cache", strict=True)
    assert index.files.to_pylist()[0]["size"] is None and index.files.to_pylist()[0]["dataset"] == "sih-rd"


def test_refresh_from_local_file_stores_in_cache(tmp_path: Path) -> None:
    source = write_index(tmp_path / "index.json", "2026-04-30T00:00:00Z")
    cache = tmp_path / "cache"
    index = refresh(source, directory=cache)
    assert not index.builtin and index.version == "2026-04-30T00:00:00Z"
    rows = {r["path"]: r for r in index.files.to_pylist()}
    assert rows[LISTING[1][0]]["dataset"] == "sia-pa" and rows[LISTING[1][0]]["part"] == "a"
    assert rows[LISTING[2][0]]["preliminary"] is True
    assert rows[LISTING[3][0]]["dataset"] is None  # unknown names are kept, unassigned
    assert (cache / "catalog" / "file-index.json").exists()
    assert current_index(cache).version == index.version


def test_refresh_from_local_http_server(tmp_path: Path, http_dir: tuple[str, Path]) -> None:
    url, served = http_dir
    write_index(served / "index.json", "2026-05-01T00:00:00Z")
    index = refresh(f"{url}/index.json", directory=tmp_path / "cache")
    assert index.version == "2026-05-01T00:00:00Z" and index.files.num_rows == len(LISTING)


def test_refresh_un_gzips_a_json_gz_index_over_http(tmp_path: Path, http_dir: tuple[str, Path]) -> None:
    url, served = http_dir
    doc = index_from_listing(LISTING, source="ftp://ftp.datasus.gov.br", generated_at="2026-05-02T00:00:00Z")
    (served / "index.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode()))
    index = refresh(f"{url}/index.json.gz", directory=tmp_path / "cache", strict=True)
    assert index.version == "2026-05-02T00:00:00Z" and index.files.num_rows == len(LISTING)
    assert current_index(tmp_path / "cache").version == index.version  # stored un-gzipped, as JSON
    (served / "cut.json.gz").write_bytes(gzip.compress(json.dumps(doc).encode())[:-20])
    with pytest.raises(arrow_sus.FormatError, match=r"cut\.json\.gz: not a valid gzip stream"):
        load_index(f"{url}/cut.json.gz")


def test_an_older_index_does_not_replace_a_newer_one(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    refresh(write_index(tmp_path / "new.json", "2026-05-01T00:00:00Z"), directory=cache)
    with pytest.warns(UserWarning, match="older"):
        index = refresh(write_index(tmp_path / "old.json", "2025-01-01T00:00:00Z"), directory=cache)
    assert index.version == "2026-05-01T00:00:00Z"


def test_failure_falls_back_to_cached_then_builtin(tmp_path: Path, http_dir: tuple[str, Path]) -> None:
    url, served = http_dir
    cache = tmp_path / "cache"
    with pytest.warns(UserWarning, match="refresh failed"):
        fallback = refresh(f"{url}/missing.json", directory=cache)
    assert fallback.builtin and fallback.version == arrow_sus.catalog.version()
    refresh(write_index(tmp_path / "good.json", "2026-05-01T00:00:00Z"), directory=cache)
    (served / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.warns(UserWarning, match="refresh failed"):
        kept = refresh(f"{url}/bad.json", directory=cache)
    assert not kept.builtin and kept.version == "2026-05-01T00:00:00Z"
    with pytest.raises(arrow_sus.FormatError):
        refresh(f"{url}/bad.json", directory=cache, strict=True)


def test_invalid_documents_are_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    for doc in ({"format": "other"}, {"format": "arrow-sus/file-index", "format_version": 99}):
        bad.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(arrow_sus.FormatError):
            load_index(bad)
    doc = index_from_listing(LISTING, source="x", generated_at="yesterday")
    bad.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(arrow_sus.FormatError):
        load_index(bad)


def test_cache_dir_honours_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    refresh(write_index(tmp_path / "i.json", "2026-05-01T00:00:00Z"))
    assert (tmp_path / "c" / "catalog" / "file-index.json").exists()


def test_refresh_crawls_a_live_mirror(tmp_path: Path) -> None:
    from scan_mirror import build_sih_mirror

    root = tmp_path / "mirror"
    made = build_sih_mirror(root, ufs=("AC",), periods=((2013, 1), (2013, 2)), rows=5)
    index = refresh(root.as_uri(), directory=tmp_path / "cache", strict=True)
    rows = {r["path"]: r for r in index.files.to_pylist()}
    for f in made:
        (row,) = [r for p, r in rows.items() if p.endswith(f.path)]
        assert row["dataset"] == "sih-rd" and row["month"] == f.month and row["size"] > 0
