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


def short_type(arrow_type: str | None) -> str:
    """An Arrow type's text as reprs show it: ``dictionary<int8, string>`` for a coded column ("" for none)."""
    if arrow_type is None:
        return ""
    if arrow_type.startswith("dictionary<"):
        parts = dict(p.split("=", 1) for p in arrow_type[len("dictionary<") : -1].split(", "))
        return f"dictionary<{parts['indices']}, {parts['values']}>"
    return arrow_type
