"""The permission model every signal maps onto.

A site speaks about *uses* of its content (docs/decisions.md). Each mechanism yields, per
use, one :class:`Permission`; the evaluator combines mechanisms into a :class:`Decision` whose
:class:`Reason` rows say which file, line or header said what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Final


class Use(StrEnum):
    """What a crawler means to do with content (docs/decisions.md, Uses and their hierarchy)."""

    TDM = "tdm"
    AI_TRAIN = "ai-train"
    GENAI_TRAIN = "genai-train"
    AI_INPUT = "ai-input"
    SEARCH = "search"


class Permission(StrEnum):
    """One mechanism's (or the combined) answer for one use.

    ``license`` means "denied unless you hold the licence the site offers": a TDMRep reservation
    with a ``tdm-policy``, an RSL licence with payment or a licence server, an HTTP 402.
    """

    ALLOW = "allow"
    DENY = "deny"
    LICENSE = "license"
    UNKNOWN = "unknown"


class Strictness(IntEnum):
    """How restrictive a permission is; the most restrictive one wins (docs/decisions.md, Combining
    statements).

    A free allow from one statement never waives another statement's licence terms, and an
    outright deny beats a licence offer: a creator who says no is not overruled by a price list.
    """

    UNKNOWN = 0
    ALLOW = 1
    LICENSE = 2
    DENY = 3


STRICTNESS: Final[Mapping[Permission, Strictness]] = MappingProxyType(
    {
        Permission.UNKNOWN: Strictness.UNKNOWN,
        Permission.ALLOW: Strictness.ALLOW,
        Permission.LICENSE: Strictness.LICENSE,
        Permission.DENY: Strictness.DENY,
    }
)


def most_restrictive(*permissions: Permission) -> Permission:
    """The strictest of ``permissions`` (``unknown`` when there are none)."""
    return max(permissions, key=STRICTNESS.__getitem__, default=Permission.UNKNOWN)


def least_restrictive(*permissions: Permission) -> Permission:
    """The loosest of ``permissions`` (``unknown`` when there are none): what a statement read
    by several audiences can say without denying any of them what it owes them."""
    return min(permissions, key=STRICTNESS.__getitem__, default=Permission.UNKNOWN)


class Verdict(StrEnum):
    """The final answer for one URL, agent, use and mode.

    ``unknown`` and ``failed`` are not permissions: neither lets content in, in either mode.
    ``unknown`` means a signal file that governs the use answered but could not be read (or its
    server failed), so what the site said is not known yet; ``failed`` means the host or the
    page gave no usable answer at all (no response, a 404, a 5xx), so there is nothing to decide
    (docs/decisions.md, Signal files that cannot be read).
    """

    ALLOW = "allow"
    DENY = "deny"
    LICENSE = "license"
    UNKNOWN = "unknown"
    FAILED = "failed"


VERDICT_OF: Final[Mapping[Permission, Verdict]] = MappingProxyType(
    {
        Permission.ALLOW: Verdict.ALLOW,
        Permission.DENY: Verdict.DENY,
        Permission.LICENSE: Verdict.LICENSE,
    }
)
"""The verdict a stated permission gives; ``unknown`` has none, since the mode decides it."""


class Mode(StrEnum):
    """What silence means.

    ``opt-out`` is the EU DSM Art. 4(3) baseline: unless reserved, mining is permitted.
    ``consent`` asks for an explicit allow (or a free licence) before content is used.
    """

    OPT_OUT = "opt-out"
    CONSENT = "consent"


class Signal(StrEnum):
    """Where a statement came from; the ``signal`` of a reason."""

    ROBOTS = "robots.txt"
    CONTENT_USAGE = "content-usage"
    CONTENT_SIGNAL = "content-signal"
    TDMREP = "tdmrep"
    AI_TXT = "ai.txt"
    RSL = "rsl"
    ROBOTS_TAG = "robots-tag"
    HTTP_STATUS = "http-status"
    REMOVALS = "removals"
    STRICT = "strict"
    DEFAULT = "default"
    TRAINING_PREFERENCE = "training-preference"
    """A robots.txt group for the shared training-preference policy token
    (draft-kelley-aipref-training-preference-signal-00)."""
    IPTC = "iptc"
    C2PA = "c2pa"


USE_NARROWER: Final[Mapping[Use, tuple[Use, ...]]] = MappingProxyType(
    {
        # docs/decisions.md, Uses and their hierarchy: TDM contains AI training, which contains
        # generative
        # training; TDM also contains AI input (docs/decisions.md, Uses and their hierarchy). Search
        # is under TDM only for
        # allows; whether a reservation reaches search is the ``tdm_covers_search`` option.
        Use.TDM: (Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT, Use.SEARCH),
        Use.AI_TRAIN: (Use.GENAI_TRAIN,),
        Use.GENAI_TRAIN: (),
        Use.AI_INPUT: (),
        Use.SEARCH: (),
    }
)


def apply_hierarchy(
    vector: Mapping[Use, Permission], *, tdm_covers_search: bool = False
) -> dict[Use, Permission]:
    """Spread one mechanism's answers down the use hierarchy.

    A deny (or licence requirement) on a broader use reaches every narrower use, keeping the
    narrower answer when it is stricter still; an allow on a broader use only fills narrower
    uses that are still unknown. Broader uses are visited first so ``tdm`` reaches
    ``genai-train`` through ``ai-train``.
    """
    out = {use: vector.get(use, Permission.UNKNOWN) for use in Use}
    for broad in (Use.TDM, Use.AI_TRAIN):
        parent = out[broad]
        if parent is Permission.UNKNOWN:
            continue
        for narrow in USE_NARROWER[broad]:
            if parent is Permission.ALLOW:
                if out[narrow] is Permission.UNKNOWN:
                    out[narrow] = parent
            elif narrow is not Use.SEARCH or tdm_covers_search:
                out[narrow] = most_restrictive(out[narrow], parent)
    return out


def reached_uses(uses: Iterable[Use], *, tdm_covers_search: bool = False) -> frozenset[Use]:
    """The uses a reservation of ``uses`` reaches through the hierarchy, as a deny would.

    A file that could not be read may hold a reservation of every use it can speak about, so
    each of those uses, and every narrower one, stays unknown until it is read.
    """
    reached = set(uses)
    for broad in (Use.TDM, Use.AI_TRAIN):
        if broad in reached:
            reached.update(
                narrow
                for narrow in USE_NARROWER[broad]
                if narrow is not Use.SEARCH or tdm_covers_search
            )
    return frozenset(reached)


@dataclass(frozen=True, kw_only=True, slots=True)
class LicenseOffer:
    """Terms under which a site offers a use: an RSL licence, a TDMRep policy, a 402."""

    url: str
    """The licence document, policy or resource that states the terms."""
    payment: str = ""
    """RSL payment type (``purchase``, ``crawl``...), ``tdm-policy`` or ``402``."""
    amount: str = ""
    """Price with currency, e.g. ``USD 0.01``, when one is stated."""
    server: str = ""
    """RSL licence server issuing tokens, if any."""
    copyright: str = ""
    """Rights holder or attribution the site asks for."""
    attribution: str = ""
    """The credit the licence asks for in its own words (RSL ``<legal type="attribution">``)."""
    standard: str = ""
    """A standard licence the terms refer to (RSL ``<standard>``, e.g. a Creative Commons URL)."""
    terms: str = ""
    """A page with more about the terms (RSL ``<terms>``)."""
    dialect: str = ""
    """Which kind of HTTP 402 challenge stated the offer (:class:`PaymentDialect`), if one did."""
    currency: str = ""
    """The currency (ISO 4217) or, for x402, the asset the price is stated in."""
    recipient: str = ""
    """Who would be paid: x402 ``payTo``."""
    resource: str = ""
    """The resource the offer is for, as the challenge names it (x402 ``resource.url``)."""
    network: str = ""
    """The payment network (x402 ``network``, CAIP-2) and scheme, e.g. ``eip155:8453 exact``."""
    problem: str = ""
    """Why the challenge could not be read whole: a malformed offer is recorded, never paid."""
    scope: str = ""
    """The assets the terms cover as the offer states them (RSL ``<content url>``)."""
    license_xml: str = ""
    """The RSL ``<license>`` element, as a licence server is asked for it (RSL OLP ``license``)."""
    creators: str = ""
    """The creators of the works, ``; ``-separated (Heedful's ``<hf:creators>``, docs/licensing.md)."""
    creator_consent: str = ""
    """Usage tokens the creators themselves consented to, space-separated; ``""`` = not stated,
    ``none`` = stated that they consented to none (docs/licensing.md, Creator consent)."""

    def as_dict(self) -> dict[str, str]:
        """The fields that are set: the JSON shape of an offer (``heedful check --json``, the
        check API) and of a ledger ``license`` entry."""
        return {key: value for key, value in _offer_dict(self).items() if value}


@dataclass(frozen=True, kw_only=True, slots=True)
class Statement:
    """One thing a site said, with where it said it and what it means per use.

    ``uses`` holds the mechanism's own mapping before the hierarchy is applied; uses not
    mentioned are unknown. An ``exact`` statement has already said what it means for every
    narrower use, so the hierarchy is not applied to it: a removal request says itself
    whether search is withdrawn, and ``tdm_covers_search`` must not add it.
    """

    signal: Signal
    source: str
    """URL of the file or response that carried the statement."""
    location: str
    """``line 14``, ``header Content-Usage``, ``meta[name=robots]``, ``$[2]``..."""
    rule: str
    """The statement exactly as the site wrote it."""
    uses: Mapping[Use, Permission] = field(default_factory=dict)
    offer: LicenseOffer | None = None
    terms: Mapping[Use, tuple[LicenseOffer, ...]] = field(default_factory=dict)
    """The free licences under which each use this statement allows is allowed, hierarchy
    applied (an RSL ``<license>`` without a price still asks for credit, copyright, terms)."""
    note: str = ""
    exact: bool = False
    offers: Mapping[Use, LicenseOffer] = field(default_factory=dict)
    """Per licensed use, the offer that licenses it when a statement sells different uses
    under different terms (RSL: one ``<content>`` per offer); ``offer`` otherwise."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Reason:
    """Why a decision came out as it did: one statement and its effect on the asked use."""

    signal: Signal
    source: str
    location: str
    rule: str
    effect: str
    """``allow``/``deny``/``license``/``unknown`` for the asked use, or ``access allow``,
    ``access deny``, ``access license``, ``default allow``/``default deny``."""
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        """The JSON shape shared by ``heedful check --json`` and the server's check API."""
        out = {
            "signal": str(self.signal),
            "source": self.source,
            "location": self.location,
            "rule": self.rule,
            "effect": self.effect,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True, kw_only=True, slots=True)
class Decision:
    """The answer for one (url, agent, use, mode), with every statement that contributed."""

    url: str
    agent: str
    use: Use
    mode: Mode
    verdict: Verdict
    access: Verdict
    """The robots.txt (and HTTP status) result: may the URL be fetched at all."""
    uses: Mapping[Use, Permission]
    """The combined answer per use, after hierarchy and across mechanisms, before defaults."""
    reasons: tuple[Reason, ...]
    """Never empty: a default applied is a reason too."""
    offers: tuple[LicenseOffer, ...] = ()
    terms: tuple[LicenseOffer, ...] = ()
    """The free licences the asked use is taken under, from the statements that allow it: what
    a taker owes the site (credit, copyright notice) even though nothing is paid."""
    status: int | None = None
    """The page's HTTP status when the page was fetched; ``None`` before a fetch or when no
    response arrived."""
    aipref_draft: str = "08"
    """The draft-ietf-aipref-vocab revision ``Content-Usage`` values were read under
    (:class:`AiprefDraft`), so a decision can be replayed under the same reading."""
    creator_consent: str = ""
    """For a licensed use of works whose creators the offer names (docs/licensing.md, Creator
    consent): ``given`` (their consent covers the use), ``not-stated`` or ``refused``; ``""``
    when no creators are named or the use is not licensed."""
    missing: tuple[str, ...] = ()
    """What the use still lacks to be admitted, in order: ``licence`` (a licence token must be
    obtained first) and, in consent mode, ``creator-consent`` (then the verdict is ``deny``)."""

    def __post_init__(self) -> None:
        if not self.reasons:
            raise ValueError("a Decision needs at least one reason")

    def as_dict(self) -> dict[str, object]:
        """The JSON object printed by ``heedful check --json``."""
        out: dict[str, object] = {
            "url": self.url,
            "agent": self.agent,
            "use": str(self.use),
            "mode": str(self.mode),
            "verdict": str(self.verdict),
            "access": str(self.access),
            "uses": {str(use): str(perm) for use, perm in self.uses.items()},
            "reasons": [reason.as_dict() for reason in self.reasons],
            "offers": [offer.as_dict() for offer in self.offers],
        }
        if self.status is not None:
            out["status"] = self.status
        out["aipref_draft"] = self.aipref_draft
        if self.creator_consent:
            out["creator_consent"] = self.creator_consent
        if self.missing:
            out["missing"] = list(self.missing)
        return out


def _offer_dict(offer: LicenseOffer) -> dict[str, str]:
    return {
        "url": offer.url,
        "payment": offer.payment,
        "amount": offer.amount,
        "server": offer.server,
        "copyright": offer.copyright,
        "attribution": offer.attribution,
        "standard": offer.standard,
        "terms": offer.terms,
        "dialect": offer.dialect,
        "currency": offer.currency,
        "recipient": offer.recipient,
        "resource": offer.resource,
        "network": offer.network,
        "problem": offer.problem,
        "creators": offer.creators,
        "creator_consent": offer.creator_consent,
    }


class AiprefDraft(StrEnum):
    """The revision of draft-ietf-aipref-vocab a ``Content-Usage`` value is read under.

    ``08`` (14 September 2026) is current: ``ai-use`` is a category (section 4.2) and a use that
    qualifies as search is governed by ``search`` alone (section 4.3). ``07`` (19 August 2026)
    had only ``train-ai`` and ``search``; it is kept so a decision can be replayed as it was
    taken (docs/decisions.md, aipref revisions).
    """

    VOCAB_07 = "07"
    VOCAB_08 = "08"


DEFAULT_AIPREF_DRAFT: Final = AiprefDraft.VOCAB_08
"""The revision used when none is asked for: the current one."""


class PaymentDialect(StrEnum):
    """The three kinds of HTTP 402 a crawler meets (docs/decisions.md, HTTP 402 dialects)."""

    PAY_PER_CRAWL = "cloudflare-pay-per-crawl"
    """Cloudflare's ``crawler-price`` header (Cloudflare's pay per crawl documentation)."""
    X402 = "x402"
    """A base64 JSON ``PAYMENT-REQUIRED`` header (x402 v2 specification, section 5.1)."""
    RSL = "rsl-license"
    """``WWW-Authenticate: License`` or an RSL ``Link`` (RSL 1.0, licence challenge)."""
    UNKNOWN = "unknown"
    """A 402 that names no dialect Heedful reads: still a licence requirement, never a yes."""
