"""``arrow-sus version``."""

from __future__ import annotations

import pyarrow

import arrow_sus
from arrow_sus.cli._app import app, console
from arrow_sus.cli._options import JsonOption
from arrow_sus.cli._output import print_json


@app.command()
def version(as_json: JsonOption = False) -> None:
    """Print the arrow-sus and Arrow versions."""
    if as_json:
        print_json({"arrow_sus": arrow_sus.__version__, "pyarrow": pyarrow.__version__})
        return
    console.print(f"arrow-sus {arrow_sus.__version__} (pyarrow {pyarrow.__version__})")
