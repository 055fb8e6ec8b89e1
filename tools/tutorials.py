"""Runs the documentation's tutorials (docs/tutorials/code/*.py) on the real DATASUS corpus.

Each tutorial is a plain script that calls arrow-sus exactly as a user would against the DATASUS server
(``arrow_sus.scan("sih-rd", uf="AC", year=2024, month=1)``) and draws one matplotlib figure. Here it runs
against a local mirror made of the corpus files (symbolic links laid out in the server's directories, found
by the catalog itself), with a cache of its own, so the site's examples and figures come from running them:
they cannot go stale. The site (tools/docs_hooks.py) and the tests (tests/python/test_tutorials.py) both run
the tutorials through :func:`run_tutorial`.
"""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "docs" / "tutorials" / "code"

CORPUS_MISSING = (
    "the tutorials run on the DATASUS corpus, which was not found: set ARROW_SUS_CORPUS to its directory or "
    "place it at ../shared/corpus beside the project"
)


class CorpusMissingError(RuntimeError):
    """The DATASUS corpus the tutorials read is absent."""


@dataclass(frozen=True)
class TutorialRun:
    """What running a tutorial gave: its source, what it printed and its figure as PNG bytes."""

    name: str
    code: str
    output: str
    figure_png: bytes


def corpus_dir() -> Path | None:
    """The real DATASUS corpus: $ARROW_SUS_CORPUS, else ../shared/corpus beside the project (None if absent)."""
    env = os.environ.get("ARROW_SUS_CORPUS")
    path = Path(env) if env else ROOT.parent / "shared" / "corpus"
    return path if path.is_dir() else None


def tutorial_names() -> list[str]:
    """The tutorials, by file name without ``.py``."""
    return sorted(p.stem for p in TUTORIALS.glob("*.py"))


def build_mirror(corpus: Path, root: Path) -> int:
    """Lays the corpus files the catalog recognises out as the server does (``root`` standing for
    ``/dissemin/publicos``), as symbolic links; returns how many."""
    import arrow_sus

    made = 0
    for path in sorted(corpus.iterdir()):
        ref = arrow_sus.catalog.try_parse_path(path.name)
        if ref is None or ref.placeholder:
            continue
        # A name some directories share (final and preliminary) gets the first the catalog gives: the final one.
        try:
            candidates = [ref.canonical_path] if ref.canonical_path else arrow_sus.paths(ref.dataset, ref.uf, ref.year)
        except arrow_sus.ArrowSusError:  # a table the server keeps inside archives: no path of its own
            continue
        target = root / candidates[0].removeprefix("/dissemin/publicos/") if candidates else None
        if target is None or target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(path)
        made += 1
    return made


@contextlib.contextmanager
def corpus_mirror() -> Iterator[Path]:
    """A temporary mirror of the corpus with an empty cache beside it, named by ``ARROW_SUS_SOURCE`` and
    ``ARROW_SUS_CACHE`` while the block runs. Raises :class:`CorpusMissingError` without the corpus."""
    corpus = corpus_dir()
    if corpus is None:
        raise CorpusMissingError(CORPUS_MISSING)
    saved = {k: os.environ.get(k) for k in ("ARROW_SUS_SOURCE", "ARROW_SUS_CACHE")}
    with tempfile.TemporaryDirectory(prefix="arrow-sus-tutorials-") as tmp:
        mirror = Path(tmp) / "mirror"
        build_mirror(corpus, mirror)
        os.environ["ARROW_SUS_SOURCE"] = mirror.as_uri()
        os.environ["ARROW_SUS_CACHE"] = str(Path(tmp) / "cache")
        try:
            yield mirror
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def run_tutorial(name: str) -> TutorialRun:
    """Runs one tutorial (inside :func:`corpus_mirror`): its printed output, and its one figure as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = TUTORIALS / f"{name}.py"
    plt.close("all")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runpy.run_path(str(path), run_name="__main__")
    figures = plt.get_fignums()
    if len(figures) != 1:
        raise RuntimeError(f"tutorial {name} drew {len(figures)} figures: each draws exactly one")
    png = io.BytesIO()
    plt.figure(figures[0]).savefig(png, format="png", dpi=80, bbox_inches="tight")
    plt.close("all")
    return TutorialRun(name, path.read_text(encoding="utf-8"), printed.getvalue(), png.getvalue())
