"""Credits: per creator or rights holder, the works kept, their licence and requested credit.

The creator of a kept work is, in order: the page's author (schema.org ``author``/``creator``,
``article:author``, ``DC.creator``, ``<meta name=author>``), its rights holder (schema.org
``copyrightHolder``/``publisher``, ``DC.rightsHolder``), or the copyright holder an RSL licence
names (RSL 1.0). The attribution text is what the site asked for: RSL ``copyright``,
then schema.org ``copyrightNotice``/``creditText`` or ``DC.rights``. Works withdrawn by a
re-check or purged are not credited: they are no longer used. Works with no identifiable
creator are counted and listed by registrable domain.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Final

from crawler.transparency.domains import domain_of
from crawler.transparency.figures import item_licences
from crawler.transparency.ledgerdata import LedgerData, item_key

FORMAT: Final = "heedful-credits/1"
EXCLUDED_STATES: Final = frozenset({"withdrawn", "purged"})
CSV_COLUMNS: Final = (
    "creator",
    "rights_holder",
    "url",
    "domain",
    "licence",
    "attribution",
    "sha256",
    "crawl_id",
)


def _rsl_copyright(event: Mapping[str, Any]) -> str:
    for entry in event.get("license") or ():
        if isinstance(entry, Mapping) and entry.get("copyright"):
            return str(entry["copyright"])
    return ""


def work_credit(event: Mapping[str, Any]) -> dict[str, Any]:
    """One kept work's credit fields."""
    attribution = event.get("attribution") or {}
    if not isinstance(attribution, Mapping):
        attribution = {}
    rsl = _rsl_copyright(event)
    author = str(attribution.get("author") or "")
    holder = str(attribution.get("rights_holder") or "")
    return {
        "creator": author or holder or rsl,
        "rights_holder": holder or rsl,
        "url": event["url"],
        "domain": domain_of(event["url"]),
        "licence": item_licences(event),
        "attribution": rsl or str(attribution.get("copyright") or ""),
        "sha256": event.get("sha256") or "",
        "crawl_id": event["crawl_id"],
    }


def credits(data: LedgerData) -> dict[str, Any]:
    """Creators (sorted by name) with their works, and the works nobody is named for."""
    state = data.state()
    creators: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unattributed: dict[str, list[str]] = defaultdict(list)
    excluded = 0
    for event in data.kept:
        if state.get(item_key(event)) in EXCLUDED_STATES:
            excluded += 1
            continue
        work = work_credit(event)
        if work["creator"]:
            creators[work["creator"]].append(work)
        else:
            unattributed[work["domain"]].append(work["url"])
    out_creators = []
    for name in sorted(creators, key=str.casefold):
        works = sorted(creators[name], key=lambda w: w["url"])
        holders = sorted({w["rights_holder"] for w in works if w["rights_holder"]})
        out_creators.append(
            {
                "creator": name,
                "rights_holders": holders,
                "works": [
                    {k: w[k] for k in ("url", "licence", "attribution", "sha256", "crawl_id")}
                    for w in works
                ],
            }
        )
    return {
        "format": FORMAT,
        "creators": out_creators,
        "attributed_works": sum(len(c["works"]) for c in out_creators),
        "unattributed": {
            "count": sum(len(v) for v in unattributed.values()),
            "by_domain": {
                domain: sorted(urls)
                for domain, urls in sorted(
                    unattributed.items(), key=lambda kv: (-len(kv[1]), kv[0])
                )
            },
        },
        "not_credited_withdrawn_or_purged": excluded,
    }


def credits_csv(result: Mapping[str, Any]) -> str:
    """One row per work; unattributed works have an empty ``creator``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for creator in result["creators"]:
        for work in creator["works"]:
            writer.writerow(
                [
                    creator["creator"],
                    "; ".join(creator["rights_holders"]),
                    work["url"],
                    domain_of(work["url"]),
                    " ".join(work["licence"]),
                    work["attribution"],
                    work["sha256"],
                    work["crawl_id"],
                ]
            )
    for domain, urls in result["unattributed"]["by_domain"].items():
        for url in urls:
            writer.writerow(["", "", url, domain, "", "", "", ""])
    return buffer.getvalue()
