"""The ``arrow-sus`` command line (Typer + rich).

Each command group lives in its own module under this package and registers itself on :data:`app` when
imported; :func:`main` is the console-script entry point.
"""

from __future__ import annotations

from arrow_sus.cli._app import app, main

# Command modules register their commands on `app` at import time.
from arrow_sus.cli import _version  # noqa: F401  isort: skip
from arrow_sus.cli import remote  # noqa: F401  isort: skip
from arrow_sus.cli import convert  # noqa: F401  isort: skip
from arrow_sus.cli import catalog  # noqa: F401  isort: skip
from arrow_sus.cli import cache  # noqa: F401  isort: skip
from arrow_sus.cli import get  # noqa: F401  isort: skip
from arrow_sus.cli import sql  # noqa: F401  isort: skip
from arrow_sus.cli import labels  # noqa: F401  isort: skip
from arrow_sus.cli import check  # noqa: F401  isort: skip

__all__ = ["app", "main"]
