import datetime as dt
from pathlib import Path

import pytest
from remote_servers import build_tree, synthetic_dbc

import arrow_sus
from arrow_sus import cache, remote
from arrow_sus._native import _core
from arrow_sus.errors import InvalidArgumentError


def test_empty_cache_info(tmp_path: Path) -> None:
    info = cache.info(tmp_path)
    assert info.entries == 0 and info.bytes == 0
    assert info.hit_rate is None
    assert "entries=0" in repr(info)
    assert (tmp_path / "manifest.sqlite").exists()
    assert cache.entries(tmp_path).num_rows == 0


def test_raw_files_are_counted_and_cleared(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "SIHSUS" / "200801_" / "Dados"
    raw.mkdir(parents=True)
    (raw / "RDAC2401.dbc").write_bytes(b"x" * 10)
    (tmp_path / "raw" / ".arrow-sus" / "identity").mkdir(parents=True)  # bookkeeping is not an entry
    info = cache.info(tmp_path)
    assert (info.raw_files, info.raw_bytes) == (1, 10)
    table = cache.entries(tmp_path)
    assert table.column("dataset").to_pylist() == ["sih-rd"]
    assert table.column("format").to_pylist() == ["dbc"]
    assert cache.clear(dataset="sim-do", directory=tmp_path) == 0
    assert cache.clear(kind="converted", directory=tmp_path) == 0
    assert cache.clear(older_than="1d", directory=tmp_path) == 0  # just written
    assert cache.clear(dataset="sih-rd", directory=tmp_path) == 1
    assert not (raw / "RDAC2401.dbc").exists()
    assert cache.clear(directory=tmp_path) == 0


def test_cache_dir_follows_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c"
    assert cache.info().directory == tmp_path / "c"


def test_parse_age() -> None:
    assert cache.parse_age("30d") == 30 * 86400
    assert cache.parse_age("1.5h") == 5400
    assert cache.parse_age(dt.timedelta(minutes=2)) == 120
    assert cache.parse_age(10) == 10
    with pytest.raises(InvalidArgumentError, match="not a duration"):
        cache.parse_age("soon")
    with pytest.raises(InvalidArgumentError):
        cache.clear(kind="zip")  # type: ignore[arg-type]


def test_module_is_exposed() -> None:
    assert arrow_sus.cache is cache


def test_raw_entries_are_listed_by_the_engine(tmp_path: Path) -> None:
    """The raw half of the cache is listed by the engine's FileCache (what cache.info/entries/clear read): committed
    downloads with their server paths, sizes and times, never the partial downloads and records beside them."""
    files = {"SIM/DOAC2024.dbc": synthetic_dbc(20), "SIHSUS/200801_/Dados/RDAC2401.dbc": synthetic_dbc(30, seed=1)}
    public = build_tree(tmp_path / "mirror", files)
    raw = tmp_path / "cache" / "raw"
    remote.download_files(list(files), raw, source=public.as_uri(), progress=False)
    partial = raw / ".arrow-sus" / "partial" / "SIM" / "DOBR2024.dbc"  # a writer that is gone left it
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"partial")
    listed = _core.cache.raw_entries(str(raw))
    assert [e["path"] for e in listed] == sorted(files)
    for entry in listed:
        assert entry["bytes"] == len(files[entry["path"]])
        assert entry["mtime"] == int((raw / entry["path"]).stat().st_mtime)
    assert _core.cache.raw_entries(str(tmp_path / "nothing")) == []

    table = cache.entries(tmp_path / "cache")
    assert sorted(table.column("dataset").to_pylist()) == ["sih-rd", "sim-do"]
    assert cache.info(tmp_path / "cache").raw_bytes == sum(map(len, files.values()))
    assert cache.clear(dataset="sim-do", kind="raw", directory=tmp_path / "cache") == 1
    assert [e["path"] for e in _core.cache.raw_entries(str(raw))] == ["SIHSUS/200801_/Dados/RDAC2401.dbc"]
