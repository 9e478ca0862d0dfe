"""The site policy file: one TOML document saying what AI may do with a site (issue 3 section 1).

This module holds the validated shape (pydantic v2, frozen, unknown keys refused). What the
values *mean* and which combinations every published format can express live in
:mod:`heedful.policies.sitepolicy.resolve`; loading (TOML text -> model, errors with lines) in
:mod:`heedful.policies.sitepolicy.load`. The format is documented in ``docs/site-policy.md``.

The internal model follows docs/site-policy.md: per path prefix (longest prefix wins) a value per
use, optional per-bot overrides, optional licence terms.
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from heedful.policies.licensing.offers import UNPRICED
from heedful.policies.model import Permission, Use
from heedful.policies.signals.robots.product_names import is_product_name
from heedful.policies.urlpath import hides_dot_segment, normalise_path, normalise_percent

EXTENSION: Final = re.compile(r"[A-Za-z0-9]+")
MEDIA_TYPE: Final = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)")
PATH_CHARS: Final = re.compile(r"/(?:[A-Za-z0-9._~!&'()+,;=:@/-]|%[0-9A-Fa-f]{2})*")
"""A path prefix: RFC 3986 path characters, percent-encoded otherwise (RFC 9309 section 2.2).

``*`` and ``$`` are refused: patterns would make "most specific path wins" ambiguous (two
different patterns of one length can match one URL), and TDMRep picks the first match while
robots.txt picks the longest; plain prefixes give every format the same answer.
"""
PAYMENTS: Final = frozenset(
    {"purchase", "subscription", "training", "crawl", "use", "contribution", "free"}
)
"""RSL 1.0 payment types a licence offer may name (RSL 1.0 section 3); ``attribution`` is a
duty, not a price, and is written with the per-path ``attribution`` key instead."""
USE_KEYS: Final = ("search", "ai-input", "ai-train", "genai-train", "tdm")


OWNER_VALUES: Final = (Permission.ALLOW, Permission.DENY, Permission.LICENSE)
"""What the owner says about one use; ``license`` = allowed only under the licence offered in
``[license]`` (RSL / TDMRep policy)."""
_EXPECTED: Final = "'allow', 'deny' or 'license'"
ACCESS: Final = (Permission.ALLOW, Permission.DENY)
_EXPECTED_ACCESS: Final = "'allow' or 'deny'"


def _owner_value(value: object) -> object:
    """Refuse what the owner cannot say about a use: ``unknown`` is a reader's answer, not a
    choice (the pydantic ``enum`` error, which the loader words for the owner)."""
    if value not in OWNER_VALUES:
        raise PydanticCustomError("enum", "Input should be {expected}", {"expected": _EXPECTED})
    return value


def _access_value(value: object) -> object:
    """``access`` speaks of robots.txt, which can only allow or deny a fetch."""
    if value not in ACCESS:
        raise PydanticCustomError(
            "literal_error", "Input should be {expected}", {"expected": _EXPECTED_ACCESS}
        )
    return value


OwnerValue = Annotated[Permission, BeforeValidator(_owner_value)]
"""A use's value in the file, read into the core :class:`~heedful.policies.model.Permission`."""
Access = Annotated[Permission, BeforeValidator(_access_value)]


def _model_config() -> ConfigDict:
    return ConfigDict(frozen=True, extra="forbid", populate_by_name=True, str_strip_whitespace=True)


class _Uses(BaseModel):
    """The five use keys; ``None`` = not said here (inherited from a broader entry)."""

    model_config = _model_config()

    search: OwnerValue | None = None
    ai_input: OwnerValue | None = Field(default=None, alias="ai-input")
    ai_train: OwnerValue | None = Field(default=None, alias="ai-train")
    genai_train: OwnerValue | None = Field(default=None, alias="genai-train")
    tdm: OwnerValue | None = None

    def said(self) -> dict[Use, Permission]:
        """The uses this entry speaks about; ``genai-train`` follows ``ai-train`` when unsaid."""
        out = {
            Use.SEARCH: self.search,
            Use.AI_INPUT: self.ai_input,
            Use.AI_TRAIN: self.ai_train,
            Use.GENAI_TRAIN: self.genai_train if self.genai_train is not None else self.ai_train,
            Use.TDM: self.tdm,
        }
        return {use: choice for use, choice in out.items() if choice is not None}

    @model_validator(mode="after")
    def _genai_is_ai_train(self) -> _Uses:
        # No published format can say one without the other: Content-Usage train-ai, the
        # Content-Signal ai-train key, RSL ai-train, ai.txt and noai all speak for AI training
        # as a whole (draft-ietf-aipref-vocab-07 section 6; Cloudflare's Content Signals Policy; RSL
        # 1.0 section 3; Spawning's ai.txt generator; DeviantArt's noai and noimageai directives),
        # so a split would be misread.
        if self.genai_train is not None and self.genai_train != self.ai_train:
            raise ValueError(
                "genai-train must equal ai-train (and ai-train must be given with it): no "
                "published format can state generative training apart from AI training"
            )
        return self


def _check_path(value: str) -> str:
    if not PATH_CHARS.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a path prefix: it must start with '/', use only URL path "
            "characters (percent-encode others, e.g. /caf%C3%A9/) and no '*', '$', '#' or spaces"
        )
    if normalise_path(value) != normalise_percent(value) or hides_dot_segment(value):
        # Requests are matched with their dot segments removed (RFC 3986 section 5.2.4,
        # policies.urlpath), so a prefix holding one would never match what it names.
        raise ValueError(f"{value!r}: a prefix cannot hold a '.' or '..' segment")
    if value.endswith("/index.html"):
        # robots.txt readers treat "Allow: /d/index.html" as also allowing "/d/" (Google's
        # parser, google/robotstxt robots.cc), so such a prefix would mean different things in
        # different formats.
        raise ValueError(f"{value!r}: a prefix ending in /index.html is read inconsistently")
    return value


def _check_url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s/?#]+(?:[/?#]\S*)?", value):
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    return value


class SiteInfo(BaseModel):
    """``[site]``: who publishes the policy."""

    model_config = _model_config()

    name: Annotated[str, Field(min_length=1, max_length=200)]
    url: str
    contact: Annotated[str, Field(min_length=1, max_length=300)]
    """An e-mail address or a URL where the owner can be reached."""
    sitemaps: tuple[str, ...] = ()
    robots_txt: Literal["full", "compact"] = Field(default="full", alias="robots-txt")
    """``compact`` writes crawlers with the same rules as one group of several ``User-agent``
    lines instead of one group each (RFC 9309 section 2.1: a group may name many crawlers)."""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("sitemaps")
    @classmethod
    def _sitemaps(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_url(item) for item in value)


class Defaults(_Uses):
    """``[defaults]``: the value of every use for the whole site; each use must be given, so
    that crawlers in opt-out and in consent mode read the same answer (docs/decisions.md, Combining statements)."""

    search: OwnerValue
    ai_input: OwnerValue = Field(alias="ai-input")
    ai_train: OwnerValue = Field(alias="ai-train")
    tdm: OwnerValue
    attribution: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    """Credit line users must give for the uses the site allows (RSL ``attribution``)."""


class PathRule(_Uses):
    """``[[paths]]``: values for one path prefix; the most specific prefix wins."""

    path: str
    access: Access | None = None
    """``deny`` blocks crawling of the prefix in robots.txt (every use is then denied)."""
    attribution: Annotated[str, Field(min_length=1, max_length=500)] | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return _check_path(value)


class AgentRule(_Uses):
    """``[[agents]]``: values for one crawler token, optionally only under ``path``."""

    agent: str
    path: str = "/"
    access: Access | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return _check_path(value)

    @field_validator("agent")
    @classmethod
    def _token(cls, value: str) -> str:
        if value == "*":
            raise ValueError("'*' is everyone: use [defaults] and [[paths]] instead")
        if not is_product_name(value):
            # A space or "/" would make readers see only the start (docs/decisions.md).
            raise ValueError(
                f"{value!r} is not a product name: letters, digits, '-', '_' and '.', "
                "no space or '/' (e.g. 'GPTBot', 'AI2Bot')"
            )
        return value

    @model_validator(mode="after")
    def _expressible(self) -> AgentRule:
        said = self.said()
        if Use.TDM in said:
            # TDMRep (file, header, meta) and RSL have no per-crawler form (TDMRep (W3C CG Final
            # Report); RSL 1.0).
            raise ValueError(
                "tdm cannot be set per agent: TDMRep has no per-crawler form; use access = "
                "'deny' to keep a crawler out entirely"
            )
        if Permission.LICENSE in said.values():
            # RSL and TDMRep policies are offered to everyone (RSL 1.0 section 3).
            raise ValueError(
                "an agent override can only allow or deny: licence offers (RSL) apply to "
                "every crawler"
            )
        return self


class MediaRule(_Uses):
    """``[[media]]``: uses denied for some media, matched by type and by file extension."""

    name: str = ""
    types: tuple[str, ...] = ()
    """Media types (``image/*``, ``application/pdf``), matched against the response type."""
    extensions: tuple[str, ...] = ()
    """File extensions without the dot (``jpg``), matched case-sensitively at the end of the
    path, because crawlers decide from site files before they know the media type."""

    @field_validator("types")
    @classmethod
    def _types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(item.strip().lower() for item in value)
        for item in out:
            if not MEDIA_TYPE.fullmatch(item):
                raise ValueError(f"{item!r} is not a media type such as image/* or image/png")
        return out

    @field_validator("extensions")
    @classmethod
    def _extensions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(item.strip().removeprefix(".") for item in value)
        for item in out:
            if not EXTENSION.fullmatch(item):
                raise ValueError(f"{item!r} is not a file extension (letters and digits only)")
        return out

    @model_validator(mode="after")
    def _deny_only(self) -> MediaRule:
        if not self.types and not self.extensions:
            raise ValueError("a media rule needs types, extensions or both")
        said = self.said()
        if not said:
            raise ValueError("a media rule must deny at least one use")
        if any(choice is not Permission.DENY for choice in said.values()):
            # Only a deny can be added by a response header alone: a licence or an allow for a
            # media type would need the site-wide files to know the type before the fetch.
            raise ValueError("media rules can only deny uses (they tighten the path's values)")
        if Use.TDM in said and not {Use.AI_TRAIN, Use.AI_INPUT} <= said.keys():
            # A TDM reservation covers AI training and AI input (docs/decisions.md, Uses and their
            # hierarchy).
            raise ValueError("a media rule denying tdm must deny ai-train and ai-input too")
        return self


class LicenseTerms(BaseModel):
    """``[license]``: the RSL licence offered for every use whose value is ``license``."""

    model_config = _model_config()

    payment: str
    amount: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$")] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    server: str | None = None
    """RSL licence server: crawlers must obtain a licence token there (RSL 1.0 section 3)."""
    copyright: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    """Rights holder; defaults to the site name."""
    attribution: bool = False
    """Licensees must credit the copyright holder (stated in the terms and ``<copyright>``)."""
    terms: str | None = None
    """Human-readable licence terms (RSL ``<terms>``; also the TDMRep ``tdm-policy``)."""
    uses: tuple[Use, ...] | None = None
    """Optional cross-check: exactly the uses the policy sets to ``license``."""

    @field_validator("server", "terms")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @field_validator("payment")
    @classmethod
    def _payment(cls, value: str) -> str:
        if value not in PAYMENTS:
            raise ValueError(f"{value!r} is not one of {', '.join(sorted(PAYMENTS))}")
        return value

    @model_validator(mode="after")
    def _priced(self) -> LicenseTerms:
        if self.payment == "free" and self.server is None:
            raise ValueError(
                "a free licence without a licence server is a plain allow: set the uses to "
                "'allow' (with attribution if you want credit) or name a server"
            )
        if self.amount is not None and self.currency is None:
            raise ValueError("amount needs a currency (ISO 4217, e.g. EUR)")
        return self


OFFER_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
OFFER_PAYMENTS: Final = PAYMENTS | {"attribution"}
"""RSL 1.0 payment types an ``[[offers]]`` entry may name; ``attribution`` is a free licence whose
duty is credit (RSL 1.0 section 3, ``<payment type="attribution">``)."""
OFFER_USAGES: Final = ("all", "ai-all", "ai-train", "ai-input", "ai-index", "search")
"""RSL 1.0 usage tokens (section 3): ``all`` > ``ai-all``, ``search``; ``ai-all`` > ``ai-train``,
``ai-input``, ``ai-index``."""
OFFER_PATTERN: Final = re.compile(r"(/(?:[A-Za-z0-9._~!&'()+,;=:@/-]|%[0-9A-Fa-f]{2})*)(\*?)")


def _check_offer_path(value: str) -> str:
    """A path prefix, optionally ending in ``*`` (RFC 9309 section 2.2.3, same matcher as
    ``[[paths]]``).

    A ``*`` inside the pattern or a final ``$`` is refused: the offer's RSL ``<content>`` wins
    by longest match (RSL 1.0 section 3), and a pattern such as ``/*.jpg`` would then shadow
    ``[[paths]]`` entries of different values on different URLs, so no one ``<content>`` could
    say what the owner means for all of them.
    """
    found = OFFER_PATTERN.fullmatch(value)
    if found is None:
        raise ValueError(
            f"{value!r} is not an offer pattern: a path prefix such as '/photos/' or "
            "'/photos/*' (a '*' only at the end; no '$', '#', '?' or spaces)"
        )
    _check_path(found.group(1))
    return value


class OfferTerms(BaseModel):
    """``[[offers]]``: one licence the site sells for some paths and uses (RSL 1.0 section 3).

    Where the rightsholder is not the creator (an agency selling photographers' work),
    ``creators`` and ``creator-consent`` say who made the works and which uses they themselves
    consented to (issue 14 section 4; docs/licensing.md).
    """

    model_config = _model_config()

    id: str
    paths: Annotated[tuple[str, ...], Field(min_length=1)]
    usage: Annotated[tuple[str, ...], Field(min_length=1)]
    payment: str
    amount: str | None = None
    currency: str | None = None
    users: tuple[str, ...] = ()
    geo: tuple[str, ...] = ()
    rightsholder: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    creators: tuple[Annotated[str, Field(min_length=1, max_length=300)], ...] = ()
    creator_consent: tuple[str, ...] | None = Field(default=None, alias="creator-consent")
    attribution: bool = False
    terms: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not OFFER_ID.fullmatch(value):
            raise ValueError(
                f"{value!r} is not an offer id: lower-case letters, digits and '-', starting "
                "with a letter or digit, at most 64 characters (e.g. 'photos-training')"
            )
        return value

    @field_validator("paths")
    @classmethod
    def _paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_check_offer_path(item) for item in value)

    @field_validator("usage", "creator_consent")
    @classmethod
    def _usage(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for token in value or ():
            if token not in OFFER_USAGES:
                raise ValueError(
                    f"{token!r} is not an RSL 1.0 usage token: use {', '.join(OFFER_USAGES)}"
                    " (RSL 1.0 section 3)"
                )
        return value

    @field_validator("payment")
    @classmethod
    def _payment(cls, value: str) -> str:
        if value not in OFFER_PAYMENTS:
            raise ValueError(
                f"{value!r} is not an RSL payment type: {', '.join(sorted(OFFER_PAYMENTS))}"
            )
        return value

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
            raise ValueError(f"{value!r} is not a decimal amount such as '0.05' (no float)")
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code such as 'USD'")
        return value

    @field_validator("users")
    @classmethod
    def _users(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for token in value:
            if not re.fullmatch(r"[a-z][a-z-]*", token):
                raise ValueError(f"{token!r} is not an RSL user token such as 'commercial'")
        return value

    @field_validator("geo")
    @classmethod
    def _geo(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for token in value:
            if not re.fullmatch(r"[A-Z]{2}", token):
                raise ValueError(f"{token!r} is not an ISO 3166-1 alpha-2 country code")
        return value

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @model_validator(mode="after")
    def _priced(self) -> OfferTerms:
        if self.amount is not None and self.currency is None:
            raise ValueError("amount needs a currency (ISO 4217, e.g. USD)")
        if self.payment in UNPRICED:
            if self.amount is not None:
                raise ValueError(f"a {self.payment!r} offer has no amount; remove it")
        elif self.amount is None:
            raise ValueError(
                f"payment {self.payment!r} is priced: give amount (e.g. '0.05') and currency"
            )
        return self


Action = Literal["monitor", "block", "license"]
"""What ``heedful serve`` does with a request the policy denies (docs/site-policy.md, Enforcement):
``monitor`` serves it and records the violation, ``block`` answers 403 citing the rule,
``license`` answers 402 or 401 with ``WWW-Authenticate: License`` and the RSL ``Link`` when the
use is offered under licence (RSL 1.0, Crawler Authorization Protocol), else 403 like ``block``."""
MAX_CRAWL_DELAY: Final = 86_400.0


class EnforcementRule(BaseModel):
    """``[[enforcement.agents]]``: the action for one crawler (and its documented sub-crawlers)."""

    model_config = _model_config()

    agent: str
    action: Action

    @field_validator("agent")
    @classmethod
    def _token(cls, value: str) -> str:
        if not is_product_name(value):
            raise ValueError(
                f"{value!r} is not a product name: letters, digits, '-', '_' and '.' (e.g. 'GPTBot')"
            )
        return value


class Enforcement(BaseModel):
    """``[enforcement]``: what ``heedful serve`` does about requests the policy denies.

    The action is chosen most specific first: the crawler's own ``[[enforcement.agents]]``
    entry, then ``spoofed`` for a claim its published ranges refute, then its class
    (``training``; ``ai-input`` for search, user-triggered and agent crawlers; ``unknown`` for
    bots the catalogue does not know), then ``action``.
    """

    model_config = _model_config()

    action: Action = "monitor"
    training: Action | None = None
    ai_input: Action | None = Field(default=None, alias="ai-input")
    unknown: Action | None = None
    spoofed: Action | None = None
    crawl_delay: Annotated[float, Field(gt=0, le=MAX_CRAWL_DELAY)] | None = Field(
        default=None, alias="crawl-delay"
    )
    """Seconds between requests per crawler and address: published as robots.txt
    ``Crawl-delay`` in every group (RFC 9309 section 2.2.4 leaves other records to crawlers) and
    enforced with 429 and ``Retry-After`` (RFC 6585 section 4)."""
    burst: Annotated[int, Field(ge=1, le=1000)] = 5
    """Requests a crawler may make at once before the crawl delay applies."""
    agents: tuple[EnforcementRule, ...] = ()


class SitePolicy(BaseModel):
    """A whole site policy. ``version`` is not part of the file: the server assigns versions."""

    model_config = _model_config()

    site: SiteInfo
    defaults: Defaults
    paths: tuple[PathRule, ...] = ()
    agents: tuple[AgentRule, ...] = ()
    media: tuple[MediaRule, ...] = ()
    license: LicenseTerms | None = None
    offers: tuple[OfferTerms, ...] = ()
    enforcement: Enforcement = Enforcement()
