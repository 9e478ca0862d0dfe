"""Credits: per creator or rights holder, the works kept, their licence and requested credit.

The creator of a kept work is, in order: the page's author (schema.org ``author``/``creator``,
``article:author``, ``DC.creator``, ``<meta name=author>``), its rights holder (schema.org
``copyrightHolder``/``publisher``, ``DC.rightsHolder``), or the copyright holder the RSL
licence it was taken under names (RSL 1.0 ``<copyright>``). The attribution text is what the
site asked for: the RSL ``<legal type="attribution">`` text, then the RSL ``<copyright>``
holder, then schema.org ``copyrightNotice``/``creditText`` or ``DC.rights``;
``attribution_required`` says an RSL licence made credit a condition (``<payment
type="attribution">`` or ``<legal type="attribution">``). A work taken under a bought licence
(its ledger ``licensing`` object, issue 14) is credited to the creators the offer names when the
page names no author, with the rights holder it was licensed from, and carries the licence it was
used under (offer, licence server, payment, usage, token id, what was charged) and its duties
(``attribution``, ``contribution``). Works withdrawn by a re-check or
purged are not credited: they are no longer used. Works with no identifiable creator are
counted and listed by registrable domain, each still with its SHA-256 and crawl id.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Final

from heedful.crawler.transparency.domains import domain_of
from heedful.crawler.transparency.ledgerdata import LedgerData, item_key

FORMAT: Final = "heedful-credits/3"
"""3: ``licensed_under`` and ``duties`` per work (issue 14)."""
EXCLUDED_STATES: Final = frozenset({"withdrawn", "purged"})
CSV_COLUMNS: Final = (
    "creator",
    "rights_holder",
    "url",
    "domain",
    "licence",
    "attribution",
    "attribution_required",
    "duties",
    "licensed_under",
    "sha256",
    "crawl_id",
)
WORK_FIELDS: Final = (
    "url",
    "licence",
    "attribution",
    "attribution_required",
    "duties",
    "licensed_under",
    "sha256",
    "crawl_id",
)
LICENSED_FIELDS: Final = (
    "offer",
    "server",
    "scope",
    "payment",
    "usage",
    "price",
    "charged",
    "token_id",
    "licensee",
)
"""What a work's ``licensed_under`` says about the licence it was bought under."""


def licensed_under(event: Mapping[str, Any]) -> dict[str, str]:
    """The bought licence a kept item was used under (``{}`` when none)."""
    record = event.get("licensing")
    if not isinstance(record, Mapping) or not (record.get("token_id") or record.get("server")):
        return {}
    if record.get("refused"):
        return {}
    return {key: str(record.get(key) or "") for key in LICENSED_FIELDS}


def licence_creators(event: Mapping[str, Any]) -> list[str]:
    """The creators a bought licence's offer names (``;``-separated in the RSL extension)."""
    record = event.get("licensing")
    if not isinstance(record, Mapping):
        return []
    return [name.strip() for name in str(record.get("creators") or "").split(";") if name.strip()]


def item_licences(event: Mapping[str, Any]) -> list[str]:
    """Licence URLs of a kept item: the RSL licences it was taken under (the standard licence
    one names, e.g. Creative Commons, then the RSL document), offers and TDMRep policies, then
    the page's ``rel=license``."""
    found = [
        str(entry[key])
        for entry in event.get("license") or ()
        if isinstance(entry, Mapping)
        for key in ("standard", "url")
        if entry.get(key)
    ]
    attribution = event.get("attribution") or {}
    if isinstance(attribution, Mapping) and attribution.get("license_url"):
        found.append(str(attribution["license_url"]))
    return list(dict.fromkeys(found))


def _rsl_terms(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A kept item's ``license`` entries: the RSL licences it was taken under, offers, TDMRep
    policies (only RSL entries carry ``copyright`` and ``attribution``)."""
    return [entry for entry in event.get("license") or () if isinstance(entry, Mapping)]


def _first(entries: list[Mapping[str, Any]], key: str) -> str:
    return next((str(e[key]) for e in entries if e.get(key)), "")


def work_credit(event: Mapping[str, Any]) -> dict[str, Any]:
    """One kept work's credit fields."""
    attribution = event.get("attribution") or {}
    if not isinstance(attribution, Mapping):
        attribution = {}
    rsl = _rsl_terms(event)
    bought = licensed_under(event)
    record = event.get("licensing") if bought else None
    if isinstance(record, Mapping):
        # The terms bought are RSL terms too: their rights holder and credit count as such.
        rsl = [*rsl, {"copyright": record.get("rightsholder") or "", **record}]
    rsl_holder = _first(rsl, "copyright")
    author = str(attribution.get("author") or "")
    holder = str(attribution.get("rights_holder") or "")
    duties = [str(d) for d in record.get("duties") or ()] if isinstance(record, Mapping) else []
    return {
        "duties": duties,
        "licensed_under": bought,
        "creator": author or holder or rsl_holder,
        "rights_holder": holder or rsl_holder,
        "url": event["url"],
        "domain": domain_of(event["url"]),
        "licence": item_licences(event),
        "attribution": _first(rsl, "attribution")
        or rsl_holder
        or str(attribution.get("copyright") or ""),
        "attribution_required": any(
            e.get("payment") == "attribution" or e.get("attribution") for e in rsl
        ),
        "sha256": event.get("sha256") or "",
        "crawl_id": event["crawl_id"],
    }


def credits(data: LedgerData) -> dict[str, Any]:
    """Creators (sorted by name) with their works, and the works nobody is named for."""
    state = data.state()
    creators: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unattributed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    excluded = 0
    for event in data.kept:
        if state.get(item_key(event)) in EXCLUDED_STATES:
            excluded += 1
            continue
        work = work_credit(event)
        named = (
            licence_creators(event) if not (event.get("attribution") or {}).get("author") else []
        )
        for name in named:
            creators[name].append({**work, "creator": name})
        if named:
            continue
        if work["creator"]:
            creators[work["creator"]].append(work)
        else:
            unattributed[work["domain"]].append({k: work[k] for k in WORK_FIELDS})
    out_creators = []
    for name in sorted(creators, key=str.casefold):
        works = sorted(creators[name], key=lambda w: w["url"])
        holders = sorted({w["rights_holder"] for w in works if w["rights_holder"]})
        out_creators.append(
            {
                "creator": name,
                "rights_holders": holders,
                "works": [{k: w[k] for k in WORK_FIELDS} for w in works],
            }
        )
    return {
        "format": FORMAT,
        "creators": out_creators,
        "attributed_works": sum(len(c["works"]) for c in out_creators),
        "unattributed": {
            "count": sum(len(v) for v in unattributed.values()),
            "by_domain": {
                domain: sorted(works, key=lambda w: w["url"])
                for domain, works in sorted(
                    unattributed.items(), key=lambda kv: (-len(kv[1]), kv[0])
                )
            },
        },
        "not_credited_withdrawn_or_purged": excluded,
    }


def credits_csv(result: Mapping[str, Any]) -> str:
    """One row per work; unattributed works have an empty ``creator`` and ``rights_holder``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    rows = [
        (creator["creator"], "; ".join(creator["rights_holders"]), work)
        for creator in result["creators"]
        for work in creator["works"]
    ]
    rows.extend(
        ("", "", work) for works in result["unattributed"]["by_domain"].values() for work in works
    )
    for creator, holders, work in rows:
        writer.writerow(
            [
                creator,
                holders,
                work["url"],
                domain_of(work["url"]),
                " ".join(work["licence"]),
                work["attribution"],
                "yes" if work["attribution_required"] else "no",
                " ".join(work.get("duties") or ()),
                " ".join(f"{k}={v}" for k, v in (work.get("licensed_under") or {}).items() if v),
                work["sha256"],
                work["crawl_id"],
            ]
        )
    return buffer.getvalue()
