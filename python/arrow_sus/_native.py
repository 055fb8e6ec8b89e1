"""Loads the compiled engine.

pyarrow is imported first: arrow_sus._core links the libarrow shipped inside the pyarrow wheel and finds it
already loaded in the process (and through its RPATH otherwise).
"""

from __future__ import annotations

import pyarrow  # noqa: F401  (loads libarrow before the extension)

from arrow_sus import _core

__all__ = ["_core"]
