"""Reports read right: count charts tick on whole numbers, and every count agrees with its noun.

Rendered from a real crawl (the shared ``crawled_world``) and read back: the SVG tick labels
of every chart, the HTML text and the EU summary in Markdown.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from heedful.crawler.transparency import charts
from tests.transparency.conftest import World, heedful

pytestmark = pytest.mark.e2e

TICK = re.compile(r'id="([\w-]+)-[xy]tick_\d+".*?<text[^>]*>([^<]*)</text>', re.DOTALL)
PLURAL_AFTER_ONE = re.compile(
    r"(?<![\d.,])1 (items|records|origins|domains|registrable domains|URLs|bytes|re-checks|pages)\b"
)
SINGULAR_AFTER_OTHER = re.compile(
    r"(?<![\d.,])(?:0|[2-9]|\d{2,}) (item|record|origin|domain|registrable domain|URL|byte|re-check|page)\b(?!s)"
)


def tick_labels(svg: str) -> list[str]:
    return [label for _, label in TICK.findall(svg)]


@pytest.mark.parametrize(
    "svg",
    [
        charts.hbar("h", "one and two", {"a": 1, "b": 2}),
        charts.stacked("s", "small", ["x", "y"], {"kept": [1, 0], "refused": [0, 1]}),
        charts.stacked("v", "small", ["x", "y"], {"kept": [1, 2]}, horizontal=False),
    ],
    ids=["hbar", "stacked", "stacked-vertical"],
)
def test_small_count_charts_tick_on_integers(svg: str) -> None:
    labels = [label for label in tick_labels(svg) if re.fullmatch(r"−?\d+(?:\.\d+)?", label)]
    assert labels, svg[:500]
    assert all(re.fullmatch(r"\d+", label) for label in labels), labels


@pytest.mark.parametrize(
    "svg",
    [charts.hbar("e", "empty", {}), charts.stacked("f", "empty", [], {"kept": []})],
    ids=["hbar", "stacked"],
)
def test_empty_charts_have_no_made_up_ticks(svg: str) -> None:
    assert tick_labels(svg) == []
    assert "nothing to show" in svg


def _text(html: str) -> str:
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.DOTALL)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_rendered_report_has_integer_axes_and_agreeing_nouns(
    crawled_world: World, tmp_path: Path
) -> None:
    target = tmp_path / "report.html"
    done = heedful("report", str(crawled_world.out), "--output", str(target))
    assert done.returncode == 0, done.stderr
    html = target.read_text()
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)
    assert len(svgs) >= 4
    for svg in svgs:
        numeric = [label for label in tick_labels(svg) if re.fullmatch(r"−?\d+(?:\.\d+)?", label)]
        assert all(re.fullmatch(r"\d+", label) for label in numeric), numeric
    outside_svg = re.sub(r"<svg.*?</svg>", "", html, flags=re.DOTALL)
    ids = re.findall(r"""\bid=['"]([^'"]+)['"]""", outside_svg)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    text = _text(html)
    assert not PLURAL_AFTER_ONE.findall(text), text
    assert not SINGULAR_AFTER_OTHER.findall(text), text
    assert "1 registrable domain" in text  # the crawl's two origins are both 127.0.0.1
    assert "2 origins" in text
    assert "0 re-checks run" in text

    markdown = heedful("report", str(crawled_world.out), "--format", "eu-summary")
    assert markdown.returncode == 0, markdown.stderr
    assert not PLURAL_AFTER_ONE.findall(markdown.stdout), markdown.stdout
    assert not SINGULAR_AFTER_OTHER.findall(markdown.stdout), markdown.stdout
    assert "of 1 domain," in markdown.stdout
    assert "0 items purged" in markdown.stdout
