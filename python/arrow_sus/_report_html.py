"""The quality report (:class:`arrow_sus.QualityReport`) as one self-contained HTML page: records per period,
null and unmapped-code rates per column, the distributions of coded columns, then the table of problems.

Everything is inline (styles, SVG charts): the page opens offline, from an e-mail or a shared drive, and loads
nothing from anywhere. ``arrow-sus check --html`` and ``QualityReport.write_html`` write it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import pyarrow as pa

from arrow_sus._output_target import OutputRules, check_target, commit, temporary_path
from arrow_sus._svg import bar_chart

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure.chart { margin: 0; } figcaption { font-weight: 600; margin-bottom: .3em; }
svg text { font: 11px system-ui, sans-serif; fill: #333; } svg rect { fill: #3b7dd8; }
.rates svg rect { fill: #d8703b; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 2px 6px; }
td.n { text-align: right; } td.bad { color: #b00; font-weight: 600; } .note { color: #666; }
"""


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def _rate_chart(title: str, counts: list[tuple[str, int, int]]) -> str:
    """Bars of ``part / rows`` in percent per column, for ``(column, part, rows)``, highest first."""
    ordered = sorted(counts, key=lambda c: -_percent(c[1], c[2]))
    bars = [(name, _percent(part, rows)) for name, part, rows in ordered]
    texts = [f"{value:.1f}% ({part:,})" for (_, value), (_, part, _) in zip(bars, ordered, strict=True)]
    return bar_chart(title, bars, value_text=texts, scale=100.0)


def _problem_table(table: pa.Table, problems: Sequence[str]) -> str:
    heads = ["column", "type", "kind", "nulls", *(p.replace("_", " ") for p in problems), "rule / examples"]
    rows = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in heads) + "</tr>"]
    for r in table.to_pylist():
        cells = [f"<td>{escape(r['column'])}</td>", f"<td>{escape(r['arrow_type'])}</td>"]
        cells.append(f"<td>{escape(r['kind'] or '')}</td>")
        cells.append(f'<td class="n">{r["nulls"]:,}</td>')
        for p in problems:
            value = r[p]
            css = "n bad" if value else "n"
            cells.append(f'<td class="{css}">{"" if value is None else f"{value:,}"}</td>')
        detail = r["rule"] or ""
        if r["examples"]:
            detail += (" · " if detail else "") + "e.g. " + ", ".join(r["examples"])
        cells.append(f"<td>{escape(detail)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def render_html(
    summary: dict[str, Any],
    table: pa.Table,
    periods: pa.Table,
    distributions: dict[str, list[tuple[str, int]]],
    problems: Sequence[str],
) -> str:
    """The page, as text: the report's ``summary``, its ``table`` of columns (``problems`` naming the problem
    columns), records per period and the distributions of coded columns."""
    s = summary
    columns = table.to_pylist()
    title = f"arrow-sus quality report: {s['dataset'] or 'data'}"
    headline = (
        f"{s['rows']:,} rows, {s['columns']} columns, {s['files']} file{'' if s['files'] == 1 else 's'} · "
        f"{s['columns_with_problems']} columns with problems · checked {s['today']}"
    )
    per_period = [(p["period"], float(p["rows"])) for p in periods.to_pylist()]
    nulls = [(c["column"], c["nulls"], c["rows"]) for c in columns if c["nulls"]]
    unmapped = [(c["column"], c["unmapped_codes"], c["rows"]) for c in columns if c["unmapped_codes"] is not None]
    values = [bar_chart(name, [(v, float(count)) for v, count in pairs]) for name, pairs in distributions.items()]
    notes = "".join(f'<p class="note">note: {escape(n)}</p>' for n in s["notes"])
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{escape(headline)}</p>{notes}"
        f'<h2>Records per period</h2><div class="charts">{bar_chart("records", per_period)}</div>'
        f'<h2>Nulls and unmapped codes per column</h2><div class="charts rates">'
        f"{_rate_chart('null rate (columns with nulls)', nulls)}"
        f"{_rate_chart('unmapped-code rate (columns with a code list or reference table)', unmapped)}</div>"
        f'<h2>Values of the coded columns</h2><div class="charts">{"".join(values)}</div>'
        f"<h2>Every column</h2>{_problem_table(table, problems)}"
        "</body></html>\n"
    )


def write_page(text: str, path: Path, *, overwrite: bool = False) -> Path:
    """Writes a page to ``path`` under the output rule (a temporary name beside it, moved into place; an
    existing file replaced only if arrow-sus wrote it or with ``overwrite``). Returns ``path``."""
    rules = OutputRules(overwrite=overwrite)
    check_target(path, directory=False, rules=rules)
    temp = temporary_path(path)
    try:
        temp.write_text(text, encoding="utf-8")
        commit(temp, path, directory=False, rules=rules)
    finally:
        temp.unlink(missing_ok=True)
    return path
