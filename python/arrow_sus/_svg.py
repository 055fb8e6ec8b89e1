"""Small charts as inline SVG text, for pages that must stand alone (the quality report's HTML): no plotting
library, no script, no external resource."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

#: Pixels: one bar's height, the gap between bars, the width given to labels and to the longest bar.
BAR = 14
GAP = 4
LABEL_WIDTH = 220
BAR_WIDTH = 320
VALUE_WIDTH = 90
#: Labels longer than this are cut (the full text stays in the bar's tooltip).
LABEL_CHARS = 34


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float]],
    *,
    value_text: Sequence[str] | None = None,
    scale: float | None = None,
) -> str:
    """A horizontal bar chart: one bar per ``(label, value)``, longest for ``scale`` (default: the largest
    value), with ``value_text`` (default: the value) written after each bar. An empty ``bars`` gives a line
    saying there is nothing to draw."""
    if not bars:
        return f'<p class="empty">{escape(title)}: nothing to draw.</p>'
    texts = list(value_text) if value_text is not None else [f"{v:,.0f}" for _, v in bars]
    top = scale if scale else max((v for _, v in bars), default=0) or 1
    height = len(bars) * (BAR + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, ((label, value), text) in enumerate(zip(bars, texts, strict=True)):
        y = GAP + i * (BAR + GAP)
        length = max(0.0, min(1.0, value / top)) * BAR_WIDTH
        middle = y + BAR - 3
        parts.append(
            f"<g><title>{escape(label)}: {escape(text)}</title>"
            f'<text x="{LABEL_WIDTH - 6}" y="{middle}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}"/>'
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{middle}">{escape(text)}</text></g>'
        )
    parts.append("</svg></figure>")
    return "".join(parts)
