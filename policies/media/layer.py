"""A downloaded file's own statements layered on the decision its page and site gave.

docs/decisions.md, Media-embedded signals, Layering on the site's signals: a file's reservation
narrows what the site allows, its allow never widens a site's reservation. And docs/decisions.md,
Signal files that cannot be read: a file whose metadata could not be read whole may hold a
reservation, so the use is ``unknown`` -- never ``allow`` -- unless something already denies it.

Pure: a :class:`~policies.model.Decision` and :class:`~policies.media.MediaSignals` in, a
narrowed ``Decision`` out, each embedded statement that speaks about the use added as a reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Final

from policies.diagnostics import Severity
from policies.headers import media_type_of
from policies.media.combine import spread
from policies.media.signals import MediaSignals
from policies.model import (
    STRICTNESS,
    Decision,
    LicenseOffer,
    Permission,
    Reason,
    Signal,
    Use,
    Verdict,
    most_restrictive,
)

MEDIA_PREFIXES: Final = ("image/", "audio/", "video/")
MEDIA_TYPES: Final = frozenset({"application/pdf", "application/epub+zip", "application/rdf+xml"})
_FILE_VERDICT: Final[Mapping[Permission, Verdict]] = {
    Permission.DENY: Verdict.DENY,
    Permission.LICENSE: Verdict.LICENSE,
}
_SIGNAL_OF_KIND: Final[Mapping[str, Signal]] = {"c2pa": Signal.C2PA, "tdmrep": Signal.TDMREP}


def is_media_type(content_type: str) -> bool:
    """Whether a Content-Type (parameters allowed) is one the media readers read."""
    media_type = media_type_of(content_type)
    return media_type.startswith(MEDIA_PREFIXES) or media_type in MEDIA_TYPES


def unread_parts(signals: MediaSignals) -> tuple[str, ...]:
    """What of the file could not be read: every error diagnostic is a part (an XMP packet, a
    C2PA store, the whole file) that might have held a statement."""
    return tuple(
        f"{d.code}: {d.message}" for d in signals.diagnostics if d.severity is Severity.ERROR
    )


def layer(
    decision: Decision,
    signals: MediaSignals | None,
    *,
    source: str,
    unread: str = "",
    tdm_covers_search: bool = False,
) -> Decision:
    """``decision`` after the file's own statements.

    ``signals`` is ``None`` when the body could not be read at all, and ``unread`` says why (the
    body was cut at N bytes, it exceeds the limit); either, or an error diagnostic in
    ``signals``, leaves the use ``unknown`` unless a deny already settles it. ``failed`` stays
    ``failed``: there is no file to use.
    """
    if decision.verdict is Verdict.FAILED:
        return decision
    use = decision.use
    statements = signals.statements if signals is not None else ()
    spoken: list[tuple[Permission, Reason, LicenseOffer | None]] = []
    file_uses = dict.fromkeys(Use, Permission.UNKNOWN)
    for stmt in statements:
        per_use = spread(stmt, tdm_covers_search=tdm_covers_search)
        for each, permission in per_use.items():
            file_uses[each] = most_restrictive(file_uses[each], permission)
        permission = per_use[use]
        if permission is Permission.UNKNOWN:
            continue
        reason = Reason(
            signal=stmt.signal,
            source=stmt.source or source,
            location=stmt.location,
            rule=stmt.rule,
            effect=str(permission),
            note=stmt.note,
        )
        spoken.append((permission, reason, stmt.offer))
    spoken.sort(key=lambda item: -STRICTNESS[item[0]])
    missing = unread
    if signals is None:
        missing = missing or "the file was not read"
    elif not missing:
        missing = "; ".join(unread_parts(signals))
    own = file_uses[use]
    verdict = _layered(decision.verdict, own, unreadable=bool(missing))
    reasons = [reason for _, reason, _ in spoken]
    if missing and verdict is Verdict.UNKNOWN:
        reasons.insert(0, _unread_reason(signals, source=source, rule=missing))
    uses = {
        each: most_restrictive(site, file_uses[each])
        if file_uses[each] in (Permission.DENY, Permission.LICENSE)
        else site
        for each, site in decision.uses.items()
    }
    if missing:
        uses = {
            each: permission if permission is Permission.DENY else Permission.UNKNOWN
            for each, permission in uses.items()
        }
    offers = decision.offers
    if verdict is Verdict.LICENSE:
        offers += tuple(o for p, _, o in spoken if o is not None and p is Permission.LICENSE)
    narrowed = verdict is not decision.verdict
    return dataclasses.replace(
        decision,
        verdict=verdict,
        uses=uses,
        reasons=(*reasons, *decision.reasons) if narrowed else (*decision.reasons, *reasons),
        offers=offers,
    )


def _layered(site: Verdict, own: Permission, *, unreadable: bool) -> Verdict:
    """docs/decisions.md, Media-embedded signals (Layering on the site's signals): the
    stricter of the two, where the file's allow (or silence) counts for nothing and an unread
    file is ``unknown``."""
    if site is Verdict.DENY or own is Permission.DENY:
        return Verdict.DENY
    if site is Verdict.UNKNOWN or unreadable:
        return Verdict.UNKNOWN
    if site is Verdict.LICENSE or own is Permission.LICENSE:
        return Verdict.LICENSE
    return site


def _unread_reason(signals: MediaSignals | None, *, source: str, rule: str) -> Reason:
    kinds = [d.kind for d in signals.diagnostics if d.severity is Severity.ERROR] if signals else []
    signal = next((_SIGNAL_OF_KIND[k] for k in kinds if k in _SIGNAL_OF_KIND), Signal.IPTC)
    return Reason(
        signal=signal,
        source=source,
        location="embedded metadata",
        rule=rule,
        effect="unknown",
        note="what cannot be read is never read as permission (docs/decisions.md, Signal files "
        "that cannot be read)",
    )


def credits_attribution(signals: MediaSignals) -> dict[str, str]:
    """The ledger's attribution fields from what the file states (IPTC Photo Metadata Standard
    2023.1: Creator, Copyright Notice, Credit Line, Licensor, Web Statement of Rights), first
    value per field, with ``embedded`` naming where each came from."""
    out = {"author": "", "rights_holder": "", "license_url": "", "copyright": ""}
    target = {
        "creator": "author",
        "licensor": "rights_holder",
        "web-statement": "license_url",
        "copyright": "copyright",
        "credit": "copyright",
    }
    where: list[str] = []
    for field in ("creator", "copyright", "credit", "licensor", "web-statement"):
        for credit in signals.credits:
            key = target[field]
            if credit.field == field and credit.value and not out[key]:
                out[key] = credit.value
                where.append(f"{key}: {credit.location}")
    if where:
        out["embedded"] = "; ".join(where)
    return out
