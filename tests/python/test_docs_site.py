"""The documentation site builds with ``mkdocs build --strict`` (broken links, unknown references and failing
tutorials fail it), with every tutorial's figure in its page, in Portuguese and English; without the corpus the
build stops and says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from mkdocs.exceptions import PluginError

sys.path.insert(0, str(ROOT / "tools"))

import docs_hooks
import tutorials

TUTORIALS = tutorials.tutorial_names()


def build(site: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_site_builds_strictly_with_every_tutorial_figure(corpus: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = build(site, {**os.environ, "ARROW_SUS_CORPUS": str(corpus)})
    assert done.returncode == 0, done.stderr[-4000:]
    assert len(TUTORIALS) == 6
    for language in ("", "en/"):
        for name in TUTORIALS:
            page = (site / language / "tutorials" / name / "index.html").read_text(encoding="utf-8")
            assert "data:image/png;base64," in page, (language, name)
            assert "<!-- tutorial:" not in page
    assert "arrow-sus check" in (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    dictionaries = (site / "en" / "reference" / "dictionaries" / "index.html").read_text(encoding="utf-8")
    assert "sinasc-dn" in dictionaries and "IDADEMAE" in dictionaries
    assert "arrow_sus.Scan.explain" in (site / "reference" / "python" / "index.html").read_text(encoding="utf-8")


def test_site_build_without_the_corpus_stops_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The hook mkdocs runs before any page: raising PluginError is how a build stops (the full build is above).
    monkeypatch.setenv("ARROW_SUS_CORPUS", str(tmp_path / "no-corpus"))
    monkeypatch.setattr(docs_hooks, "_runs", {})
    with pytest.raises(PluginError, match="tutorials run on the DATASUS corpus, which was not found"):
        docs_hooks.on_pre_build(config=None)
