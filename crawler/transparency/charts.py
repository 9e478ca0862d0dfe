"""Charts as inline SVG strings (matplotlib, Agg/SVG backends, no pyplot, no network).

Every chart here counts things, so value axes tick on whole numbers only. Text stays text
(``svg.fonttype = none``) so the file is small and searchable; the browser draws
it with a local sans-serif. Each chart's element ids get the chart's own prefix, since several
SVG documents share one HTML page and their ids (clip paths) would otherwise collide.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

import matplotlib as mpl

mpl.use("Agg")

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

COLOURS: Final[Mapping[str, str]] = {
    "kept": "#2e7d32",
    "refused": "#c62828",
    "failed": "#9e9e9e",
    "withdrawn": "#ef6c00",
    "unverified": "#6d4c41",
    "purged": "#4a148c",
}
BAR: Final = "#1565c0"
MAX_BARS: Final = 15
"""Longer lists are cut to their largest entries; the tables next to the charts hold them all."""
WIDTH: Final = 7.0
if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

_ID = re.compile(r'(\bid="|url\(#|href="#)')


def _svg(fig: Figure, name: str) -> str:
    buffer = io.StringIO()
    with mpl.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": name, "font.family": "sans-serif"}
    ):
        FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None, "Creator": None})  # type: ignore[no-untyped-call]
    text = buffer.getvalue()
    text = text[text.index("<svg") :]  # drop the XML declaration and DOCTYPE: inline SVG
    text = _ID.sub(lambda m: f"{m.group(1)}{name}-", text)
    return text.replace("<svg ", f'<svg role="img" aria-labelledby="{name}-title" ', 1)


def _counts_axis(axis: Axis) -> None:
    """Ticks on whole numbers only: a count axis never reads 0.5 items."""
    axis.set_major_locator(MaxNLocator(integer=True))


def _nothing(ax: Axes) -> None:
    """An empty chart says so, without an axis of made-up fractions around nothing."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, "nothing to show", ha="center", transform=ax.transAxes)


def _short(label: str, limit: int = 48) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def hbar(name: str, title: str, data: Mapping[str, int], *, colour: str = BAR) -> str:
    """A horizontal bar chart of the largest ``MAX_BARS`` entries, largest on top."""
    items = sorted(data.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_BARS]
    height = 1.2 + 0.32 * max(1, len(items))
    fig = Figure(figsize=(WIDTH, height))
    ax = fig.add_subplot()
    labels = [_short(k) for k, _ in reversed(items)]
    values = [v for _, v in reversed(items)]
    bars = ax.barh(labels, values, color=colour)
    ax.bar_label(bars, padding=3)
    ax.set_title(title, loc="left")
    ax.margins(x=0.15)
    _counts_axis(ax.xaxis)
    ax.spines[["top", "right"]].set_visible(False)
    if not items:
        _nothing(ax)
    fig.tight_layout()
    return _svg(fig, name)


def stacked(
    name: str,
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    *,
    horizontal: bool = True,
) -> str:
    """Stacked bars, one per label, one colour per series (kept, refused, ...)."""
    labels = [_short(str(label)) for label in labels][:MAX_BARS]
    count = len(labels)
    if horizontal:
        fig = Figure(figsize=(WIDTH, 1.4 + 0.32 * max(1, count)))
    else:
        fig = Figure(figsize=(WIDTH, 3.2))
    ax = fig.add_subplot()
    base = [0] * count
    positions = list(range(count))
    for key, values in series.items():
        cut = list(values)[:count]
        if horizontal:
            ax.barh(positions, cut, left=base, color=COLOURS.get(key, BAR), label=key)
        else:
            ax.bar(positions, cut, bottom=base, color=COLOURS.get(key, BAR), label=key)
        base = [b + v for b, v in zip(base, cut, strict=True)]
    if horizontal:
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        _counts_axis(ax.xaxis)
    else:
        ax.set_xticks(positions, labels, rotation=30, ha="right")
        _counts_axis(ax.yaxis)
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    if count:
        # Above the plot, never over a bar of its own colour.
        fig.legend(loc="upper right", ncols=len(series), frameon=False, fontsize="small")
    else:
        _nothing(ax)
    fig.tight_layout()
    return _svg(fig, name)
