"""Every report of a crawl directory written next to it, in one call (for ``make demo``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from heedful.crawler.transparency.eusummary import render_markdown
from heedful.crawler.transparency.figures import report_data
from heedful.crawler.transparency.html import render_html
from heedful.crawler.transparency.ledgerdata import load, resolve_db

FILES: Final = {
    "html": "report.html",
    "json": "report.json",
    "eu-summary": "eu-summary.md",
    "eu-summary-json": "eu-summary.json",
}


def write_reports(directory: Path, *, db: str = "", top_share: float = 0.10) -> dict[str, Path]:
    """Write ``report.html``, ``report.json``, ``eu-summary.md`` and ``eu-summary.json`` into
    ``directory``; returns format -> path. Raises ``LedgerMissing`` without a ledger."""
    figures = report_data(load(resolve_db(directory, db)), top_share=top_share)
    texts = {
        "html": render_html(figures),
        "json": json.dumps(figures, ensure_ascii=False, indent=2, default=str) + "\n",
        "eu-summary": render_markdown(figures["eu_summary"]),
        "eu-summary-json": json.dumps(figures["eu_summary"], ensure_ascii=False, indent=2) + "\n",
    }
    paths = {}
    for fmt, name in FILES.items():
        path = directory / name
        path.write_text(texts[fmt], encoding="utf-8")
        paths[fmt] = path
    return paths
