"""The EU public summary of training content, web-crawled part, from the report's figures.

Fields follow the European Commission's template for the public summary of training content of
general-purpose AI models (AI Act Art. 53(1)(d)), section "data crawled and scraped from online
sources": the crawlers' names and purposes, the collection period, the types of content, the
top domain names by size of content collected (the top 10% of domains by default; the share is
a parameter, ``--top-share``) and the measures taken to respect reservations of rights (the
Copyright chapter of the GPAI Code of Practice), with counts of items
excluded per signal. Every number is one of :mod:`heedful.crawler.transparency.figures`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

from heedful.policies.plural import counted

FORMAT: Final = "heedful-eu-summary/1"
PURPOSES: Final[Mapping[str, str]] = {
    "tdm": "text and data mining",
    "ai-train": "training AI models",
    "genai-train": "training generative AI models",
    "ai-input": "AI input (retrieval, grounding, answers)",
    "search": "search indexing",
}
MEASURES: Final = (
    (
        "robots.txt is read per origin before any other request (RFC 9309), for the crawler's own "
        "product token; unreachable robots.txt means nothing is fetched."
    ),
    (
        "Machine-readable reservations are honoured for the declared use: TDMRep (file, header, "
        "meta), IETF aipref Content-Usage, Cloudflare Content-Signal, ai.txt, RSL licences, "
        "X-Robots-Tag and meta robots noai/noimageai."
    ),
    (
        "Content reserved before a fetch is never requested; content reserved by the response "
        "itself is discarded before storage."
    ),
    (
        "Approved removal requests the site publishes (/.well-known/heedful/removals.json) are "
        "honoured for every use."
    ),
    (
        "Content offered only under a licence (RSL payment, TDMRep tdm-policy, HTTP 402) is not "
        "collected without that licence."
    ),
    (
        "Every decision and the signal files it was based on are kept in a provenance ledger; kept "
        "items are re-checked against current signals and withdrawn items are purged."
    ),
)


PROTOCOLS: Final[tuple[tuple[str, str, str], ...]] = (
    ("robots.txt", "Robots Exclusion Protocol", "RFC 9309"),
    ("content-usage", "IETF AI Preferences, Content-Usage", "draft-ietf-aipref-vocab, -attach"),
    ("content-signal", "Content Signals Policy", "Cloudflare's Content Signals Policy"),
    ("tdmrep", "TDM Reservation Protocol (TDMRep)", "W3C TDMRep Community Group report"),
    ("ai.txt", "ai.txt", "Spawning's ai.txt"),
    ("rsl", "Really Simple Licensing", "RSL 1.0"),
    ("robots-tag", "X-Robots-Tag, Robots-Tag and meta robots (noai, noimageai)",
     "draft-illyes-repext-03; DeviantArt's noai and noimageai directives"),
    ("http-status", "HTTP access and licence controls (401, 402, 403)", "RFC 9110 section 15.5"),
    ("removals", "Approved removal requests", "/.well-known/heedful/removals.json"),
)  # fmt: skip
"""The protocols a Heedful crawl honours, by the ``signal`` its reasons carry: the protocol
profile of the summary (GPAI Code of Practice, copyright chapter, Measure 1.3, asks which
machine-readable protocols were honoured)."""


def protocol_profile(excluded_by_signal: Mapping[str, int]) -> list[dict[str, Any]]:
    """Each protocol honoured, with how many items it excluded; signals outside the table (a
    strict-mode reading, media metadata) follow under their own names."""
    known = {signal for signal, _, _ in PROTOCOLS}
    rows = [
        {
            "signal": signal,
            "protocol": name,
            "reference": reference,
            "honoured": True,
            "excluded_items": int(excluded_by_signal.get(signal, 0)),
        }
        for signal, name, reference in PROTOCOLS
    ]
    rows += [
        {
            "signal": signal,
            "protocol": signal,
            "reference": "",
            "honoured": True,
            "excluded_items": int(count),
        }
        for signal, count in excluded_by_signal.items()
        if signal not in known and signal not in ("error", "other")
    ]
    return rows


def top_domains(by_domain: Sequence[Mapping[str, Any]], top_share: float) -> list[dict[str, Any]]:
    """The top ``top_share`` of domains with content, by bytes collected (then items, name).

    Rounded up, and at least one when any domain contributed content, so a small crawl still
    names its largest source (the template's threshold is a share of all domain names)."""
    with_content = [d for d in by_domain if int(d.get("kept", 0)) > 0]
    with_content.sort(key=lambda d: (-int(d["kept_bytes"]), -int(d["kept"]), str(d["domain"])))
    if not with_content:
        return []
    count = max(1, math.ceil(top_share * len(with_content)))
    return [
        {"domain": d["domain"], "bytes": int(d["kept_bytes"]), "items": int(d["kept"])}
        for d in with_content[:count]
    ]


def eu_summary(figures: Mapping[str, Any], *, top_share: float = 0.10) -> dict[str, Any]:
    """The summary fields, JSON-ready."""
    if not 0 < top_share <= 1:
        raise ValueError(f"top share must be in (0, 1], got {top_share}")
    crawlers: dict[tuple[str, str], dict[str, Any]] = {}
    for crawl in figures["crawls"]:
        key = (crawl["agent"], crawl["user_agent"])
        entry = crawlers.setdefault(
            key,
            {
                "name": crawl["agent"],
                "user_agent": crawl["user_agent"],
                "purposes": [],
                "modes": [],
            },
        )
        purpose = PURPOSES.get(crawl["use"], crawl["use"])
        if purpose not in entry["purposes"]:
            entry["purposes"].append(purpose)
        if crawl["mode"] not in entry["modes"]:
            entry["modes"].append(crawl["mode"])
    totals = figures["totals"]
    rechecks = figures["rechecks"]
    with_content = sum(1 for d in figures["by_domain"] if int(d.get("kept", 0)) > 0)
    return {
        "format": FORMAT,
        "crawlers": list(crawlers.values()),
        "collection_period": dict(figures["period"]),
        "content": {
            "items": totals["kept"],
            "bytes": totals["kept_bytes"],
            "domains": with_content,
            "types": dict(figures["content_types"]),
        },
        "top_domains": {
            "share": top_share,
            "measure": "bytes of content collected",
            "of_domains": with_content,
            "domains": top_domains(figures["by_domain"], top_share),
        },
        "reservations": {
            "measures": list(MEASURES),
            "excluded_items": totals["refused"],
            "excluded_by_signal": dict(figures["refused_by_signal"]),
            "protocols": protocol_profile(figures["refused_by_signal"]),
            "excluded_before_fetch": int(figures["refused_by_stage"].get("before-fetch", 0)),
            "excluded_after_fetch": int(figures["refused_by_stage"].get("after-fetch", 0)),
            "withdrawn_after_recheck": int(rechecks["current"]["withdrawn"]),
            "purged": int(rechecks["current"]["purged"]),
            "rechecks": len(rechecks["runs"]),
        },
        "licensing": _licensing(figures.get("licensing") or {}),
    }


def _licensing(found: Mapping[str, Any]) -> dict[str, Any]:
    """Content taken under licence: how much, from which rightsholders, on which terms, paid
    what (issue 14 section 3)."""
    return {
        "items": int(found.get("items_licensed", 0)),
        "paid": found.get("paid", "none"),
        "tokens": len(found.get("tokens") or ()),
        "by_rightsholder": [
            {k: row[k] for k in ("rightsholder", "items", "paid")}
            for row in found.get("by_rightsholder") or ()
        ],
        "by_terms": [
            {k: row[k] for k in ("offer", "payment", "usage", "price", "items", "paid")}
            for row in found.get("by_terms") or ()
        ],
        "refused": dict(found.get("refused") or {}),
        "duties": dict(found.get("duties") or {}),
    }


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: Mapping[str, Any]) -> str:
    """The summary as a Markdown document."""
    period = summary["collection_period"]
    content = summary["content"]
    top = summary["top_domains"]
    res = summary["reservations"]
    out = [
        "# Public summary of training content: data crawled from online sources",
        "",
        "## Crawlers",
        "",
        "| Name | User-Agent | Purposes | Mode |",
        "|---|---|---|---|",
    ]
    out += [
        f"| {_cell(c['name'])} | `{_cell(c['user_agent'])}` | {_cell(', '.join(c['purposes']))} "
        f"| {_cell(', '.join(c['modes']))} |"
        for c in summary["crawlers"]
    ]
    out += [
        "",
        "## Collection period",
        "",
        f"From {period['first'] or 'n/a'} to {period['last'] or 'n/a'}.",
        "",
        "## Content collected",
        "",
        f"- Items: {content['items']}",
        f"- Bytes: {content['bytes']}",
        f"- Domains: {content['domains']}",
    ]
    out += [f"- Type `{_cell(t)}`: {n}" for t, n in content["types"].items()]
    out += [
        "",
        (
            f"## Top domains (top {top['share']:.0%} of {counted(top['of_domains'], 'domain')}, "
            f"by {top['measure']})"
        ),
        "",
        "| Domain | Bytes | Items |",
        "|---|---:|---:|",
    ]
    out += [f"| {_cell(d['domain'])} | {d['bytes']} | {d['items']} |" for d in top["domains"]]
    out += [
        "",
        "## Measures taken to respect reservations of rights",
        "",
        *(f"- {m}" for m in res["measures"]),
        "",
        (
            f"Items excluded: {counted(res['excluded_items'], 'item')} "
            f"({res['excluded_before_fetch']} never requested, "
            f"{res['excluded_after_fetch']} discarded after reading the response)."
        ),
        "",
        "| Signal | Items excluded |",
        "|---|---:|",
    ]
    out += [f"| {_cell(s)} | {n} |" for s, n in res["excluded_by_signal"].items()]
    out += [
        "",
        "### Protocols honoured",
        "",
        "| Protocol | Reference | Items excluded |",
        "|---|---|---:|",
    ]
    out += [
        f"| {_cell(p['protocol'])} | {_cell(p['reference'])} | {p['excluded_items']} |"
        for p in res.get("protocols", ())
    ]
    out += [
        "",
        (
            f"Re-checks run: {res['rechecks']}; "
            f"{counted(res['withdrawn_after_recheck'], 'item')} withdrawn after a re-check and "
            f"not yet purged; {counted(res['purged'], 'item')} purged."
        ),
        "",
    ]
    lic = summary.get("licensing") or {}
    if lic.get("items") or lic.get("refused"):
        out += [
            "## Content taken under licence",
            "",
            (
                f"{counted(lic['items'], 'item')} taken under licence with "
                f"{counted(lic['tokens'], 'token')}; paid {lic['paid']} (recorded, not moved: "
                "the rightsholders' statements invoice it)."
            ),
            "",
            "| Rightsholder | Items | Paid |",
            "|---|---:|---:|",
            *(
                f"| {_cell(r['rightsholder'])} | {r['items']} | {_cell(r['paid'])} |"
                for r in lic["by_rightsholder"]
            ),
            "",
            "| Offer | Payment | Usage | Price | Items | Paid |",
            "|---|---|---|---|---:|---:|",
            *(
                f"| {_cell(t['offer'])} | {_cell(t['payment'])} | {_cell(t['usage'])} "
                f"| {_cell(t['price'])} | {t['items']} | {_cell(t['paid'])} |"
                for t in lic["by_terms"]
            ),
            "",
            *(f"- Not taken, {_cell(k)}: {v}" for k, v in lic["refused"].items()),
            *(
                f"- Duty {_cell(d)}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
                for d, counts in lic["duties"].items()
            ),
            "",
        ]
    return "\n".join(out)
