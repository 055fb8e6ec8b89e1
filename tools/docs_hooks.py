"""MkDocs hooks of the documentation site (mkdocs.yml ``hooks:``): the parts of pages made by running code.

A page asks for a generated part with a marker comment on a line of its own:

- ``<!-- tutorial: sih -->``: the tutorial docs/tutorials/code/sih.py, its code, what it printed and its
  figure (PNG, inline), from running it on the DATASUS corpus now (tools/tutorials.py). Without the corpus the
  build stops and says so: the site never goes out with tutorials that were not run.
- ``<!-- cli-reference -->``, ``<!-- data-dictionaries: pt -->``: tools/docs_reference.py.
- ``<!-- include: bench/README.md -->``: a project file outside docs/, as it is.

Tutorials run once per build, whatever the number of languages the site is built in.
"""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

sys.path.insert(0, str(Path(__file__).resolve().parent))

import docs_reference
import tutorials

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"^<!-- (tutorial|cli-reference|data-dictionaries|include)(?:: *(\S+))? -->$", re.MULTILINE)

_runs: dict[str, tutorials.TutorialRun] = {}


def _run_all() -> None:
    """Runs every tutorial on the corpus (once per process), or stops the build saying why not."""
    if _runs:
        return
    try:
        with tutorials.corpus_mirror():
            for name in tutorials.tutorial_names():
                _runs[name] = tutorials.run_tutorial(name)
    except tutorials.CorpusMissingError as error:
        raise PluginError(f"cannot build the site: {error}") from error
    except Exception as error:
        raise PluginError(f"a tutorial failed: {type(error).__name__}: {error}") from error


def _tutorial(name: str) -> str:
    run = _runs.get(name)
    if run is None:
        raise PluginError(f"no tutorial named {name!r} (docs/tutorials/code/{name}.py)")
    image = base64.b64encode(run.figure_png).decode()
    return (
        f"```python\n{run.code.rstrip()}\n```\n\n"
        f"```text\n{run.output.rstrip()}\n```\n\n"
        f'<figure markdown="span">\n![{name}](data:image/png;base64,{image})\n</figure>\n'
    )


def _replace(match: re.Match[str]) -> str:
    kind, argument = match.group(1), match.group(2)
    if kind == "tutorial":
        return _tutorial(argument)
    if kind == "cli-reference":
        return docs_reference.cli_reference()
    if kind == "data-dictionaries":
        return docs_reference.data_dictionaries(argument or "pt")
    return (ROOT / argument).read_text(encoding="utf-8")


def on_pre_build(config: Any, **kwargs: Any) -> None:
    """Runs the tutorials before any page is rendered."""
    _run_all()


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Replaces each marker of the page with its generated Markdown."""
    return MARKER.sub(_replace, markdown)
