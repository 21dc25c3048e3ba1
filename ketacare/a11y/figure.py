"""The text alternative of a server-rendered chart (WCAG 1.1.1, 1.3.1): a one-sentence summary and
the chart's data as a table, behind a disclosure so the page stays short. Every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape


def text_alternative(
    *, title: str, summary: str, headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> str:
    """HTML to put right after a chart's <svg>: the summary sentence and a labelled, focusable table."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    return (
        f'<p class="chart-summary">{escape(summary)}</p>'
        f'<details class="chart-data"><summary>{escape(title)}: the data as a table</summary>'
        f'<div class="table-wrap" role="region" aria-label="{escape(title)}: data" tabindex="0">'
        f'<table class="table compact"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
        "</details>"
    )
