"""A scan's plan (``Scan.explain(format="mermaid")``) as a Mermaid flowchart: where each file is read from,
what is converted and filtered, and the output. Files with the same route are drawn as one node, so the
diagram of a scan of hundreds of files stays small."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arrow_sus._format import human_bytes

#: Files listed by name in one node; more are counted.
NAMES_SHOWN = 3


def _text(value: str) -> str:
    """Text for a quoted Mermaid label: its quotes and angle brackets as entities."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def _files_label(group: Sequence[dict[str, Any]]) -> str:
    names = [f["path"].rsplit("/", 1)[-1] for f in group[:NAMES_SHOWN]]
    more = len(group) - len(names)
    listed = ", ".join(names) + (f" +{more}" if more else "")
    size = human_bytes(sum(f["size"] for f in group))
    return f"{len(group)} file{'s' if len(group) > 1 else ''}, {size}<br/>{_text(listed)}"


def _step_label(route: tuple[str, bool, int, str, str]) -> str:
    read_from, fills, columns, pushed, after = route
    lines = [f"read from {read_from}" + (", fills the cache" if fills else ""), f"{columns} columns converted"]
    if pushed:
        lines.append(f"filter before presentation: {_text(pushed)}")
    if after:
        lines.append(f"filter after presentation: {_text(after)}")
    return "<br/>".join(lines)


def plan_diagram(dataset: str, source: str, files: Sequence[dict[str, Any]], columns: int, filters: Any) -> str:
    """The flowchart text: ``files`` as the engine's ``explain()`` lists them, grouped by route."""
    routes: dict[tuple[str, bool, int, str, str], list[dict[str, Any]]] = {}
    for f in files:
        route = (
            f["read_from"],
            bool(f["fills_cache"]),
            len(f["columns"]),
            f["filter_pushed"] or "",
            f["filter_after"] or "",
        )
        routes.setdefault(route, []).append(f)
    lines = ["flowchart LR", f'  src[("{_text(source)}")]']
    for i, (route, group) in enumerate(routes.items()):
        lines.append(f'  src --> f{i}["{_files_label(group)}"]')
        lines.append(f'  f{i} --> s{i}["{_step_label(route)}"]')
        lines.append(f"  s{i} --> out")
    wanted = "no filter" if filters is None else f"filter {filters}"
    lines.append(f'  out[/"{_text(dataset)}: {columns} columns, {_text(wanted)}"/]')
    return "\n".join(lines)
