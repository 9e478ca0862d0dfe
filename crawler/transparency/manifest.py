"""The dataset manifest: per kept item, the preferences that travel with it.

draft-ietf-aipref-vocab-08 section 3.3 asks that complying with training preferences include
conveying them along with what is distributed. ``heedful manifest DIR`` writes, per kept item:
its URL and SHA-256, the uses the site allowed and reserved when it was collected (the
decision's per-use answer, before the mode's default), the signals that decided and the aipref
revision they were read under, the licences it was taken under and the credit asked for, and
its current state after re-checks. An item the site admitted for search only is flagged, so a
dataset built for training can leave it out. ``heedful recheck`` rewrites a manifest already in
the crawl folder, so it follows withdrawn consent.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any, Final

from heedful.crawler.transparency.credits import item_licences, work_credit
from heedful.crawler.transparency.ledgerdata import LedgerData, deciding_reason, item_key
from heedful.policies.model import Permission, Use

FORMAT: Final = "heedful-manifest/1"
FILES: Final = {"json": "manifest.json", "csv": "manifest.csv"}
"""The file names ``heedful recheck`` refreshes in a crawl folder."""
AI_USES: Final = (Use.TDM, Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT)
RESERVING: Final = frozenset({str(Permission.DENY), str(Permission.LICENSE)})
CSV_COLUMNS: Final = (
    "url",
    "sha256",
    "crawl_id",
    "state",
    "collected_for",
    "allowed",
    "reserved",
    "search_only",
    "decided_by",
    "aipref_draft",
    "licence",
    "creator",
    "attribution",
)


def manifest_item(event: Mapping[str, Any], state: str) -> dict[str, Any]:
    """One kept item's manifest entry."""
    found = event.get("uses")
    uses: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    recorded = bool(uses)
    allowed = [str(u) for u in Use if uses.get(str(u)) == str(Permission.ALLOW)]
    reserved = [str(u) for u in Use if uses.get(str(u)) in RESERVING]
    credit = work_credit(event)
    signals = sorted(
        {str(r.get("signal")) for r in event.get("reasons") or () if isinstance(r, Mapping)}
        - {"default"}
    )
    return {
        "url": event["url"],
        "sha256": event.get("sha256") or "",
        "crawl_id": event["crawl_id"],
        "state": state,
        "collected_for": event.get("use") or "",
        "mode": event.get("mode") or "",
        "uses_recorded": recorded,
        "allowed": allowed,
        "reserved": reserved,
        "search_only": recorded
        and str(Use.SEARCH) in allowed
        and all(str(u) in reserved for u in AI_USES),
        "decided_by": deciding_reason(event.get("reasons"), refused=False)[1],
        "signals": signals,
        "aipref_draft": event.get("aipref_draft") or "",
        "licence": item_licences(event),
        "creator": credit["creator"],
        "attribution": credit["attribution"],
    }


def manifest(data: LedgerData) -> dict[str, Any]:
    """Every kept item with its state (``kept``, ``withdrawn``, ``unverified``, ``purged``)."""
    state = data.state()
    items = [manifest_item(e, state.get(item_key(e), "kept")) for e in data.kept]
    return {
        "format": FORMAT,
        "crawls": sorted({str(c["crawl_id"]) for c in data.crawls}),
        "items": items,
        "search_only": sum(1 for i in items if i["search_only"]),
        "withdrawn_or_purged": sum(1 for i in items if i["state"] in ("withdrawn", "purged")),
    }


def manifest_json(result: Mapping[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2) + "\n"


def manifest_csv(result: Mapping[str, Any]) -> str:
    """One row per item; lists joined with spaces."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for item in result["items"]:
        writer.writerow({k: " ".join(v) if isinstance(v, list) else v for k, v in item.items()})
    return buffer.getvalue()


RENDER: Final = {"json": manifest_json, "csv": manifest_csv}
