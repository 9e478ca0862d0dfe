"""The licences a site sells, as its policy states them (RSL 1.0 section 3; docs/licensing.md).

A site policy's ``[[offers]]`` entries are path-scoped offers; ``[license]`` is the site-wide
offer for every use valued ``license`` (id ``site``, scope ``/``). One :class:`Offer` is made per
offer and path pattern. :func:`offer_for` picks, for one path and one RSL usage, the offer with
the longest matching scope whose usage covers it (RFC 9309 section 2.2.2 longest match, as RSL
``<content url>`` is matched; the RSL usage hierarchy of section 3).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from heedful.policies.model import LicenseOffer, Use
from heedful.policies.patterns import compile_pattern
from heedful.policies.signals.rsl.terms import USAGE_PARENT, RslLicense
from heedful.policies.urlpath import canonical_path

if TYPE_CHECKING:
    from heedful.policies.sitepolicy.model import SitePolicy

UNPRICED: Final = frozenset({"free", "attribution"})
"""Payment types without an amount: the licence costs nothing (attribution asks for credit)."""
SITE_OFFER_ID: Final = "site"
"""The id of the offer ``[license]`` makes: the whole site (scope ``/``), every licensed use."""
LICENSING_PATH: Final = "/licensing"
"""Where ``heedful serve`` runs its own licence server under the site's base URL."""

USAGE_OF: Final = {
    Use.AI_TRAIN: "ai-train",
    Use.GENAI_TRAIN: "ai-train",
    Use.AI_INPUT: "ai-input",
    Use.SEARCH: "search",
    Use.TDM: "all",
}
"""The RSL 1.0 usage token a Heedful use is licensed under (section 3). Generative training is
AI training; TDM is every automated use (``all``), as the RSL reader reads it."""


def usage_token(use: Use | str) -> str:
    """The RSL usage token for a Heedful use (``genai-train`` -> ``ai-train``); an RSL token is
    returned as it is."""
    try:
        return USAGE_OF[Use(use)]
    except ValueError:
        return str(use)


def covers_usage(granted: Sequence[str], usage: str) -> bool:
    """Whether one of the ``granted`` RSL tokens is ``usage`` or a broader one (RSL 1.0 section
    3: ``all`` > ``ai-all``, ``search``; ``ai-all`` > ``ai-train``, ``ai-input``, ``ai-index``).

    An unknown ``usage`` is covered only by itself being granted: never by ``all``, since what
    a site did not name it did not sell.
    """
    names = set(granted)
    if usage in names:
        return True
    if usage not in USAGE_PARENT:
        return False
    node: str | None = usage
    while node is not None:
        if node in names:
            return True
        node = USAGE_PARENT.get(node)
    return False


@dataclass(frozen=True, slots=True, kw_only=True)
class Offer:
    """One licence a site sells, for one scope pattern, as its policy states it."""

    id: str
    scope: str
    """The RFC 9309 pattern of the paths it covers (RSL ``<content url>``)."""
    usage: tuple[str, ...]
    """RSL usage tokens granted (``<permits type="usage">``)."""
    payment: str
    """RSL payment type; ``crawl`` is charged per fetch, priced others once per token."""
    amount: Decimal | None
    currency: str
    users: tuple[str, ...] = ()
    geo: tuple[str, ...] = ()
    rightsholder: str
    creators: tuple[str, ...] = ()
    creator_consent: tuple[str, ...] | None = None
    """Usage tokens the creators themselves consented to; ``None`` = not stated."""
    attribution: bool = False
    terms: str = ""
    server: str
    """The licence server URL (RSL ``<content server>``); tokens come from ``<server>/token``."""

    def price(self) -> str:
        """``USD 0.05``, or ``""`` for a free or attribution offer."""
        if self.amount is None or self.payment in UNPRICED:
            return ""
        return f"{self.currency} {self.amount}"

    def covers(self, path: str, usage: str) -> bool:
        """Whether the offer licenses ``usage`` (an RSL token or a Heedful use) at ``path``."""
        matched = compile_pattern(self.scope).matches(canonical_path(path))
        return matched and covers_usage(self.usage, usage_token(usage))

    def credit(self) -> str:
        """The credit a licensee gives when ``attribution`` is on: creators, else the holder."""
        return "; ".join(self.creators) or self.rightsholder

    def creators_consent_to(self, usage: str) -> bool | None:
        """Whether the creators consented to ``usage``: ``None`` when the policy does not say."""
        if self.creator_consent is None:
            return None
        return covers_usage(self.creator_consent, usage_token(usage))

    def license(self, usage: Sequence[str] | None = None) -> RslLicense:
        """The ``<license>`` the offer publishes, and a licence server is asked for (RSL OLP
        ``license``); ``usage`` narrows the permits (the site-wide offer publishes, per scope,
        the uses licensed there)."""
        legal = (("attribution", f"Credit: {self.credit()}"),) if self.attribution else ()
        return RslLicense(
            permits_usage=tuple(usage) if usage is not None else self.usage,
            permits_user=self.users,
            permits_geo=self.geo,
            payment_type=self.payment,
            amount="" if self.amount is None else str(self.amount),
            currency=self.currency if self.amount is not None else "",
            terms=self.terms,
            legal=legal,
        )


def terms_mismatch(offer: Offer, requested: RslLicense) -> str:
    """Why ``requested`` (a ``<license>`` a licensee asks for) is not what ``offer`` sells now,
    or ``""`` when it is: same payment, price, user and geo terms, and every usage it asks for
    covered by the offer (RSL OLP: a licence is granted for the terms offered; a price changed
    since the crawler read it is a refusal, RFC 6749 section 5.2 ``invalid_grant``)."""
    offered = offer.license()
    if requested.payment_type.strip().lower() != offered.payment_type:
        return f"payment {requested.payment_type!r} is not the offered {offered.payment_type!r}"
    asked = f"{requested.currency} {requested.amount}".strip()
    if asked != offer.price() and not (offer.price() == "" and requested.amount == ""):
        return f"price {asked or 'none'!r} is not the offered {offer.price() or 'none'!r}"
    if set(requested.permits_user) != set(offered.permits_user):
        return "the user terms are not the ones offered"
    if set(requested.permits_geo) != set(offered.permits_geo):
        return "the geo terms are not the ones offered"
    uncovered = [t for t in requested.permits_usage if not covers_usage(offer.usage, t)]
    if uncovered:
        return f"usage {' '.join(uncovered)} is not in the offer ({' '.join(offer.usage)})"
    return ""


_PERMITS: Final = re.compile(r'<permits type="usage">([^<]*)</permits>')


def offered_usage(offer: LicenseOffer) -> tuple[str, ...]:
    """The usage tokens a read offer's ``<license>`` permits (``()``: every usage it does not
    prohibit, RSL 1.0 section 3). ``license_xml`` is Heedful's own rendering of what was read."""
    return tuple(t for found in _PERMITS.findall(offer.license_xml) for t in found.split())


def licence_server(policy: SitePolicy, base_url: str) -> str:
    """``[license] server`` when the owner names an external one, else ``<base>/licensing``."""
    if policy.license is not None and policy.license.server:
        return policy.license.server.rstrip("/")
    return base_url.rstrip("/") + LICENSING_PATH


def site_offers(policy: SitePolicy, base_url: str) -> tuple[Offer, ...]:
    """Every offer of ``policy``: ``[[offers]]`` (one per path pattern, in file order), then
    ``[license]`` as id ``site``, scope ``/``, covering every usage (``all``)."""
    server = licence_server(policy, base_url)
    out = [
        Offer(
            id=entry.id,
            scope=path,
            usage=entry.usage,
            payment=entry.payment,
            amount=Decimal(entry.amount) if entry.amount is not None else None,
            currency=entry.currency or "",
            users=entry.users,
            geo=entry.geo,
            rightsholder=entry.rightsholder or policy.site.name,
            creators=entry.creators,
            creator_consent=entry.creator_consent,
            attribution=entry.attribution,
            terms=entry.terms or "",
            server=server,
        )
        for entry in policy.offers
        for path in entry.paths
    ]
    terms = policy.license
    if terms is not None:
        out.append(
            Offer(
                id=SITE_OFFER_ID,
                scope="/",
                usage=("all",),
                payment=terms.payment,
                # [license] lets a free licence carry an amount; a free offer costs nothing.
                amount=None
                if terms.amount is None or terms.payment in UNPRICED
                else Decimal(terms.amount),
                currency=terms.currency or "",
                rightsholder=terms.copyright or policy.site.name,
                attribution=terms.attribution,
                terms=terms.terms or "",
                server=server,
            )
        )
    return tuple(out)


def offer_for(offers: Sequence[Offer], path: str, usage: str) -> Offer | None:
    """The offer with the longest scope matching ``path`` whose usage covers ``usage`` (an RSL
    token or a Heedful use); the first in policy order among equally long scopes."""
    token = usage_token(usage)
    canonical = canonical_path(path)
    best: tuple[int, Offer] | None = None
    for offer in offers:
        pattern = compile_pattern(offer.scope)
        if not pattern.matches(canonical) or not covers_usage(offer.usage, token):
            continue
        if best is None or pattern.priority > best[0]:
            best = (pattern.priority, offer)
    return best[1] if best is not None else None
