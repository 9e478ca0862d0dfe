"""Every figure of the report, computed from the ledger in one place.

The HTML report, the JSON report and the EU summary all read this dictionary, so a number shown
anywhere is the number here (issue 6 section 1); the tests recompute each with SQL. Counting
rules are in :mod:`heedful.crawler.transparency.ledgerdata` and docs/transparency.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from heedful.crawler.transparency.credits import item_licences, work_credit
from heedful.crawler.transparency.domains import domain_of
from heedful.crawler.transparency.eusummary import eu_summary
from heedful.crawler.transparency.ledgerdata import LedgerData, as_utc, deciding_reason
from heedful.crawler.transparency.licensing import licensing_figures

FORMAT: Final = "heedful-report/1"
STATUSES: Final = ("kept", "refused", "failed")
HOURLY_SPAN: Final = timedelta(days=2)
"""Crawls shorter than this are shown per hour, longer ones per day."""
TOP_CREATORS: Final = 20
NO_LICENCE: Final = "(none found)"


def _sorted(counter: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _grouped(events: Iterable[Mapping[str, Any]], key: str) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"kept": 0, "refused": 0, "failed": 0, "kept_bytes": 0}
    )
    for event in events:
        name = domain_of(event["url"]) if key == "domain" else str(event["origin"])
        row = rows[name]
        status = str(event["status"])
        row[status] = row.get(status, 0) + 1
        if status == "kept":
            row["kept_bytes"] += int(event.get("size") or 0)
    out = [{key: name, **row} for name, row in rows.items()]
    out.sort(key=lambda r: (-r["kept"], -r["refused"], r[key]))
    return out


def _over_time(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    times = [(as_utc(e["decided_at"]), str(e["status"])) for e in events]
    stamped = [(t, s) for t, s in times if t is not None]
    if not stamped:
        return {"bucket": "day", "series": []}
    first = min(t for t, _ in stamped)
    last = max(t for t, _ in stamped)
    hourly = last - first <= HOURLY_SPAN
    fmt = "%Y-%m-%dT%H:00Z" if hourly else "%Y-%m-%d"
    buckets: dict[str, Counter[str]] = defaultdict(Counter)
    for when, status in stamped:
        buckets[when.strftime(fmt)][status] += 1
    series = [
        {"period": period, **{s: buckets[period][s] for s in STATUSES}}
        for period in sorted(buckets)
    ]
    return {"bucket": "hour" if hourly else "day", "series": series}


def _attribution(kept: list[Mapping[str, Any]]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    creators: Counter[str] = Counter()
    for event in kept:
        attribution = event.get("attribution") or {}
        if not isinstance(attribution, Mapping):
            attribution = {}
        named = False
        for field in ("author", "rights_holder", "license_url", "copyright"):
            if attribution.get(field):
                counts[f"with_{field}"] += 1
                named = True
        if not named:
            counts["without"] += 1
        creator = work_credit(event)["creator"]  # the name heedful credits lists it under
        if creator:
            creators[str(creator)] += 1
    return {
        "with_author": counts["with_author"],
        "with_rights_holder": counts["with_rights_holder"],
        "with_license_url": counts["with_license_url"],
        "with_copyright": counts["with_copyright"],
        "without": counts["without"],
        "creators": [{"name": n, "items": c} for n, c in creators.most_common(TOP_CREATORS)],
    }


def _rechecks(data: LedgerData) -> dict[str, Any]:
    state = data.state()
    current = Counter(state.values())
    latest = data.latest_rechecks()
    withdrawn_by: Counter[str] = Counter()
    for key, event in latest.items():
        if event["status"] == "withdrawn" and state.get(key) != "purged":
            withdrawn_by[deciding_reason(event.get("reasons"), refused=True)[0]] += 1
    return {
        "runs": [
            {
                "recheck_id": r["recheck_id"],
                "started_at": _iso(as_utc(r["started_at"])),
                "finished_at": _iso(as_utc(r["finished_at"])),
                "pages": bool(r["pages"]),
                **{k: int(r[k]) for k in ("items", "kept", "withdrawn", "unverified", "origins")},
            }
            for r in data.rechecks
        ],
        "current": {s: current[s] for s in ("kept", "withdrawn", "unverified", "purged")},
        "withdrawn_by_signal": _sorted(withdrawn_by),
        "purged_records": len(data.purged),
        "purge_actions": len(data.purges),
    }


def report_data(
    data: LedgerData, *, top_share: float = 0.10, now: datetime | None = None
) -> dict[str, Any]:
    """Every figure of the report, JSON-ready."""
    events = data.crawl_events
    status = Counter(str(e["status"]) for e in events)
    kept = data.kept
    refused = [e for e in events if e["status"] == "refused"]
    refused_signal: Counter[str] = Counter()
    refused_reason: Counter[str] = Counter()
    for event in refused:
        signal, label = deciding_reason(event.get("reasons"), refused=True)
        refused_signal[signal] += 1
        refused_reason[label] += 1
    kept_signal: Counter[str] = Counter()
    kept_reason: Counter[str] = Counter()
    licences: Counter[str] = Counter()
    for event in kept:
        signal, label = deciding_reason(event.get("reasons"), refused=False)
        kept_signal[signal] += 1
        kept_reason[label] += 1
        for licence in item_licences(event) or [NO_LICENCE]:
            licences[licence] += 1
    times = [t for e in events if (t := as_utc(e["decided_at"])) is not None]
    by_domain = _grouped(events, "domain")
    figures: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": _iso(now or datetime.now(UTC)),
        "crawls": [
            {
                "crawl_id": c["crawl_id"],
                "worker": c["worker"],
                "agent": c["agent"],
                "user_agent": c["user_agent"],
                "use": c["use"],
                "mode": c["mode"],
                "strict": bool(c["strict"]),
                "started_at": _iso(as_utc(c["started_at"])),
                "seeds": len(c.get("seeds") or ()),
            }
            for c in data.crawls
        ],
        "period": {
            "first": _iso(min(times)) if times else None,
            "last": _iso(max(times)) if times else None,
        },
        "totals": {
            "considered": len(events),
            "kept": status["kept"],
            "refused": status["refused"],
            "failed": status["failed"],
            "kept_items": len(kept),
            "kept_bytes": sum(int(e.get("size") or 0) for e in kept),
            "origins": len({e["origin"] for e in events}),
            "domains": len(by_domain),
            "images_reserved": sum(1 for e in kept if e.get("images_reserved")),
        },
        "refused_by_stage": _sorted(Counter(str(e["stage"]) for e in refused)),
        "refused_by_signal": _sorted(refused_signal),
        "refused_by_reason": _sorted(refused_reason),
        "kept_by_signal": _sorted(kept_signal),
        "kept_by_reason": _sorted(kept_reason),
        "content_types": _sorted(Counter(str(e.get("content_type") or "unknown") for e in kept)),
        "by_origin": _grouped(events, "origin"),
        "by_domain": by_domain,
        "over_time": _over_time(events),
        "licences": [{"licence": k, "items": v} for k, v in _sorted(licences).items()],
        "attribution": _attribution(kept),
        "rechecks": _rechecks(data),
        "licensing": licensing_figures(events),
    }
    figures["eu_summary"] = eu_summary(figures, top_share=top_share)
    return figures
