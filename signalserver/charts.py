"""Small inline SVG charts for the admin pages: stacked bars per day, one colour per agent.

Hand-written SVG, not a plotting library: a chart is drawn per page view, in the request, so it
must cost microseconds, and inline SVG needs no script and no subresource (the admin pages'
``Content-Security-Policy`` is ``default-src 'none'``). Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from heedful.signalserver.templating import Safe, escape

PALETTE: Final = (
    "#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#6d4c41", "#9e9e9e",
)  # fmt: skip
MAX_SERIES: Final = len(PALETTE) - 1
"""Agents drawn by name; the rest are summed as "others" (the table lists them all)."""
WIDTH: Final = 640
HEIGHT: Final = 220
LEFT: Final = 40
BOTTOM: Final = 40


def stacked_days(
    name: str, title: str, days: Sequence[str], series: Mapping[str, Sequence[int]]
) -> Safe:
    """Bars per day (x), stacked by agent; a legend below. ``series[agent][i]`` is day ``i``."""
    ranked = sorted(series.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    shown = ranked[:MAX_SERIES]
    if len(ranked) > MAX_SERIES:
        rest = [sum(v[i] for _, v in ranked[MAX_SERIES:]) for i in range(len(days))]
        shown.append(("others", rest))
    totals = [sum(v[i] for _, v in shown) for i in range(len(days))]
    top = max(totals, default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - 10, HEIGHT - BOTTOM - 30
    step = plot_w / max(1, len(days))
    bar = max(2.0, step * 0.7)
    parts = [
        (
            f'<svg role="img" aria-labelledby="{name}-title" id="{name}" class="chart" '
            f'viewBox="0 0 {WIDTH} {HEIGHT + 20 * ((len(shown) + 3) // 4)}" width="100%">'
        ),
        f'<title id="{name}-title">{escape(title)}</title>',
        f'<text x="{LEFT}" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
        f'<text x="{LEFT - 6}" y="{30 + 4}" font-size="10" text-anchor="end">{top}</text>',
        f'<text x="{LEFT - 6}" y="{30 + plot_h}" font-size="10" text-anchor="end">0</text>',
        f'<line x1="{LEFT}" y1="{30 + plot_h}" x2="{WIDTH - 10}" y2="{30 + plot_h}" stroke="#888"/>',
    ]
    for i, day in enumerate(days):
        x = LEFT + i * step + (step - bar) / 2
        base: float = 30 + plot_h
        for j, (agent, values) in enumerate(shown):
            value = values[i]
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(day)} {escape(agent)}: '
                f"{value}</title></rect>"
            )
        if len(days) <= 14 or i % max(1, len(days) // 7) == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{30 + plot_h + 14}" font-size="10" '
                f'text-anchor="middle">{escape(day[5:])}</text>'
            )
    if not days:
        parts.append(
            f'<text x="{WIDTH / 2}" y="{30 + plot_h / 2}" text-anchor="middle">nothing to show</text>'
        )
    for j, (agent, _) in enumerate(shown):
        x = LEFT + (j % 4) * 150
        y = HEIGHT - 4 + 20 * (j // 4)
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{y}" font-size="11">{escape(agent)}</text>'
        )
    parts.append("</svg>")
    return Safe("".join(parts))
