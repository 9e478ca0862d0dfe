"""The licences a site sells (STAND-IN: offers from ``[license]`` only; see the package doc)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from heedful.policies.model import Permission, Use
from heedful.policies.patterns import compile_pattern
from heedful.policies.signals.rsl.terms import FREE_PAYMENTS, RslLicense, covers
from heedful.policies.sitepolicy.model import SitePolicy

_RSL_USAGE: Final = {
    Use.AI_TRAIN: "ai-train",
    Use.GENAI_TRAIN: "ai-train",
    Use.AI_INPUT: "ai-input",
    Use.SEARCH: "search",
    Use.TDM: "all",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Offer:
    """One licence a site sells, as its policy states it."""

    id: str
    scope: str
    usage: tuple[str, ...]
    payment: str
    amount: Decimal | None
    currency: str
    users: tuple[str, ...]
    geo: tuple[str, ...]
    rightsholder: str
    creators: tuple[str, ...]
    creator_consent: tuple[str, ...] | None
    attribution: bool
    terms: str
    server: str

    def price(self) -> str:
        """``USD 0.05``, or ``""`` when nothing is asked (free, attribution)."""
        if self.payment in FREE_PAYMENTS or self.amount is None:
            return ""
        return f"{self.currency} {self.amount}"

    def license(self) -> RslLicense:
        """The ``<license>`` element this offer publishes."""
        return RslLicense(
            permits_usage=self.usage,
            permits_user=self.users,
            permits_geo=self.geo,
            payment_type=self.payment,
            amount="" if self.amount is None else str(self.amount),
            currency=self.currency if self.amount is not None else "",
            copyright=self.rightsholder,
            terms=self.terms,
        )


def _licensed_usage(policy: SitePolicy) -> tuple[str, ...]:
    entries = [policy.defaults, *policy.paths, *policy.agents, *policy.media]
    found: list[str] = []
    for entry in entries:
        for use, choice in entry.said().items():
            token = _RSL_USAGE[use]
            if choice is Permission.LICENSE and token not in found:
                found.append(token)
    return tuple(found) or ("all",)


def site_offers(policy: SitePolicy, base_url: str) -> tuple[Offer, ...]:
    """``[[offers]]`` (not in the stand-in), then ``[license]`` as offer ``site`` for ``/``."""
    terms = policy.license
    if terms is None:
        return ()
    return (
        Offer(
            id="site",
            scope="/",
            usage=_licensed_usage(policy),
            payment=terms.payment,
            amount=Decimal(terms.amount) if terms.amount is not None else None,
            currency=terms.currency or "",
            users=(),
            geo=(),
            rightsholder=terms.copyright or policy.site.name,
            creators=(),
            creator_consent=None,
            attribution=terms.attribution,
            terms=terms.terms or "",
            server=terms.server or f"{base_url.rstrip('/')}/licensing",
        ),
    )


def offer_for(offers: Sequence[Offer], path: str, usage: str) -> Offer | None:
    """The longest-scoped offer matching ``path`` whose usage covers ``usage`` (RSL 1.0 sec. 3)."""
    best: Offer | None = None
    best_priority = -1
    for offer in offers:
        pattern = compile_pattern(offer.scope)
        if not pattern.matches(path) or not covers(offer.usage, usage, prohibiting=False):
            continue
        if pattern.priority > best_priority:
            best, best_priority = offer, pattern.priority
    return best
