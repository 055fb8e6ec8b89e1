"""Fixtures of the CLI tests that run against a local SIH mirror: the mirror (built once per module) and, for
each test, ARROW_SUS_SOURCE pointing at it, a private cache and a temporary working directory. Import both
names into a test module to use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from remote_servers import PUBLIC_ROOT
from scan_mirror import build_sih_mirror


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("srv") / PUBLIC_ROOT
    build_sih_mirror(root)
    return root


@pytest.fixture(autouse=True)
def environment(mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARROW_SUS_SOURCE", mirror.as_uri())
    monkeypatch.setenv("ARROW_SUS_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
