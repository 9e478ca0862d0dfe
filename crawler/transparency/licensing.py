"""The report's licensing section: what was taken under licence, from whom, on which terms, for
how much (issue 14 section 3).

Read from each crawl event's ``licensing`` object (docs/crawler.md, Licences). Amounts are
summed as :class:`~decimal.Decimal` per currency and shown as text; a charge is counted on the
row it was recorded on (per fetch, or once for the item a once-paid token was bought for), so
the totals are what the crawl spent. Duties: ``attribution`` is met when the work's credit can
be given (a rights holder or credit text is known, and ``heedful credits`` lists it);
``contribution`` is recorded as owed to the rightsholder, whose statement invoices it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


def _charge(text: object) -> tuple[str, Decimal] | None:
    parts = str(text or "").split()
    if len(parts) != 2:
        return None
    try:
        return parts[0], Decimal(parts[1])
    except InvalidOperation:
        return None


def _money(totals: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{cur} {amount}" for cur, amount in sorted(totals.items())) or "none"


class _Group:
    def __init__(self) -> None:
        self.items = 0
        self.paid: dict[str, Decimal] = defaultdict(Decimal)
        self.tokens: set[str] = set()

    def add(self, record: Mapping[str, Any], kept: bool) -> None:
        if kept:
            self.items += 1
        charge = _charge(record.get("charged"))
        if charge is not None:
            self.paid[charge[0]] += charge[1]
        if record.get("token_id"):
            self.tokens.add(str(record["token_id"]))

    def row(self, **key: str) -> dict[str, Any]:
        return {**key, "items": self.items, "paid": _money(self.paid), "tokens": len(self.tokens)}


def licensing_figures(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The licensing section of ``heedful report`` (JSON-ready)."""
    servers: dict[str, _Group] = defaultdict(_Group)
    holders: dict[str, _Group] = defaultdict(_Group)
    terms: dict[tuple[str, ...], _Group] = defaultdict(_Group)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    tokens: dict[str, dict[str, Any]] = {}
    refused: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    duties: dict[str, Counter[str]] = defaultdict(Counter)
    licensed = 0
    for event in events:
        record = event.get("licensing")
        if not isinstance(record, Mapping):
            continue
        kept = event["status"] == "kept"
        if record.get("refused") or not record.get("token_id"):
            lacking = record.get("missing") or ()
            default = "creator consent missing" if "creator-consent" in lacking else ""
            refused[str(record.get("label") or default or "licence not obtained")] += 1
            for what in record.get("missing") or ():
                missing[str(what)] += 1
        if kept:
            licensed += 1
        charge = _charge(record.get("charged"))
        if charge is not None:
            paid[charge[0]] += charge[1]
        if not record.get("token_id"):
            continue
        server = str(record.get("server") or "")
        holder = str(record.get("rightsholder") or "") or "(not stated)"
        key = tuple(
            str(record.get(k) or "") for k in ("offer", "scope", "payment", "usage", "price")
        )
        servers[server].add(record, kept)
        holders[holder].add(record, kept)
        terms[key].add(record, kept)
        token = tokens.setdefault(
            str(record["token_id"]),
            {
                "token_id": str(record["token_id"]),
                "server": server,
                "licensee": str(record.get("licensee") or ""),
                "offer": str(record.get("offer") or ""),
                "items": 0,
            },
        )
        if kept:
            token["items"] += 1
            for duty in record.get("duties") or ():
                duties[str(duty)]["owed"] += 1
                credited = record.get("attribution") or record.get("rightsholder")
                if duty == "attribution" and credited:
                    duties[str(duty)]["met"] += 1
                elif duty == "contribution":
                    duties[str(duty)]["recorded"] += 1
    return {
        "items_licensed": licensed,
        "paid": _money(paid),
        "paid_by_currency": {cur: str(amount) for cur, amount in sorted(paid.items())},
        "tokens": sorted(tokens.values(), key=lambda t: (t["server"], t["token_id"])),
        "by_server": [g.row(server=k) for k, g in sorted(servers.items())],
        "by_rightsholder": [g.row(rightsholder=k) for k, g in sorted(holders.items())],
        "by_terms": [
            g.row(offer=k[0], scope=k[1], payment=k[2], usage=k[3], price=k[4])
            for k, g in sorted(terms.items())
        ],
        "refused": dict(sorted(refused.items())),
        "missing": dict(sorted(missing.items())),
        "duties": {duty: dict(counts) for duty, counts in sorted(duties.items())},
    }
