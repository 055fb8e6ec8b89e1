"""``arrow-sus version``."""

from __future__ import annotations

import pyarrow

import arrow_sus
from arrow_sus.cli._app import app, console


@app.command()
def version() -> None:
    """Print the arrow-sus and Arrow versions."""
    console.print(f"arrow-sus {arrow_sus.__version__} (pyarrow {pyarrow.__version__})")
