"""Small formatting helpers shared by reprs, summaries and the CLI."""

from __future__ import annotations


def human_bytes(n: int | float) -> str:
    """1234567 → '1.2 MB' (decimal units, like download tools)."""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(size) < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")
