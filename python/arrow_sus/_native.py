"""Loads the compiled engine.

pyarrow is imported first: arrow_sus._core links the libarrow (and libarrow_s3) shipped inside the pyarrow
wheel and finds them already loaded in the process (and through its RPATH otherwise).
"""

from __future__ import annotations

import pyarrow
import pyarrow._s3fs  # noqa: F401  (loads libarrow_s3, which the s3:// source links)

from arrow_sus import _core

__all__ = ["_core"]
