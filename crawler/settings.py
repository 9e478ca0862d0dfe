"""Heedful's Scrapy settings: one prefix, each with its default, read and checked in one place.

Scrapy's convention (style.md section 3, C): a feature's settings share a prefix, components read
them with typed getters in ``from_crawler`` and turn themselves off with ``NotConfigured``. Every
name in :data:`DEFAULTS` is documented in ``docs/crawler.md``; a test checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from scrapy.exceptions import NotConfigured

from heedful.crawler.licensing.credentials import (
    Credentials,
    CredentialsError,
    Secret,
    load_credentials,
)
from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.budget import BadMoney, Money, parse_money
from heedful.policies.fetch.crawlplan import Question
from heedful.policies.fetch.freshness import MAX_CACHE_SECONDS
from heedful.policies.fetch.outcomes import MAX_SIGNAL_BYTES
from heedful.policies.model import DEFAULT_AIPREF_DRAFT, AiprefDraft, Mode, Use

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

VERSION: Final = "0.1"

DEFAULTS: Final[dict[str, Any]] = {
    "HEEDFUL_AIPREF_DRAFT": str(DEFAULT_AIPREF_DRAFT),
    "HEEDFUL_ATTRIBUTION": True,
    "HEEDFUL_CACHE_MAX_SECONDS": MAX_CACHE_SECONDS,
    "HEEDFUL_CRAWL_ID": "",
    "HEEDFUL_DRIVER_LOG_LEVEL": "WARNING",
    "HEEDFUL_ENABLED": True,
    "HEEDFUL_FETCH_TIMEOUT": 10.0,
    "HEEDFUL_INFO_URL": "https://heedful.invalid/bot",
    "HEEDFUL_LEDGER_BATCH": 500,
    "HEEDFUL_LEDGER_URL": "",
    "HEEDFUL_LICENCE_BUDGET": "",
    "HEEDFUL_LICENCE_BUDGET_KEY": "",
    "HEEDFUL_LICENCE_CLIENT_ID": "",
    "HEEDFUL_LICENCE_CLIENT_SECRET": "",
    "HEEDFUL_LICENCE_CREDENTIALS": "",
    "HEEDFUL_LICENCE_MAX_PRICE": "",
    "HEEDFUL_LICENCE_TIMEOUT": 10.0,
    "HEEDFUL_MAX_SIGNAL_BYTES": MAX_SIGNAL_BYTES,
    "HEEDFUL_MEDIA": True,
    "HEEDFUL_MODE": str(Mode.OPT_OUT),
    "HEEDFUL_OUT_DIR": "heedful-out",
    "HEEDFUL_PRODUCT_TOKEN": HEEDFUL_TOKEN,
    "HEEDFUL_RETRY_BACKOFF": 60.0,
    "HEEDFUL_RETRY_MAX_BACKOFF": 3600.0,
    "HEEDFUL_RETRY_TIMES": 2,
    "HEEDFUL_SIGNAL_DOWNLOAD_MAXSIZE": 4 * MAX_SIGNAL_BYTES,
    "HEEDFUL_SIGNATURE_AGENT": "",
    "HEEDFUL_SIGNATURE_LEGACY": False,
    "HEEDFUL_SIGNING_KEY": "",
    "HEEDFUL_STRICT": False,
    "HEEDFUL_TDM_COVERS_SEARCH": False,
    "HEEDFUL_USE": str(Use.AI_TRAIN),
    "HEEDFUL_USER_AGENT": "",
    "HEEDFUL_WARC_MAX_BYTES": 1_000_000_000,
    "HEEDFUL_WARC_PREFIX": "heedful",
}
"""Every ``HEEDFUL_*`` setting and its default (alphabetical, as Scrapy keeps its own)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class HeedfulConfig:
    """The validated settings one crawl runs with."""

    token: str
    user_agent: str
    use: Use
    mode: Mode
    strict: bool
    tdm_covers_search: bool
    aipref_draft: AiprefDraft
    """The draft-ietf-aipref-vocab revision ``Content-Usage`` is read under; the ledger records it."""
    fetch_timeout: float
    max_signal_bytes: int
    signal_download_maxsize: int
    cache_max_seconds: int
    retry_backoff: float
    retry_max_backoff: float
    retry_times: int
    """How many more times a URL that could not be decided (its host gave no answer, or a signal
    file that governs the use could not be read) is tried, each after the origin's files are due
    to be fetched again."""
    out_dir: Path
    ledger_url: str
    ledger_batch: int
    warc_max_bytes: int
    warc_prefix: str
    attribution: bool
    crawl_id: str
    media: bool
    """Read what downloaded images, audio, video and documents say about their own use."""
    licence_budget: Money | None = None
    """The most the crawl spends on licences in total (``None``: it buys no priced licence)."""
    licence_max_price: Money | None = None
    """The most one licence, or one fetch under a per-fetch licence, may cost."""
    licence_credentials: Credentials | None = None
    licence_budget_key: str = ""
    """The Redis hash the workers of a distributed crawl share the budget in (``""``: the
    budget is this process's alone)."""
    redis_url: str = ""
    licence_timeout: float = 10.0
    """Seconds a licence server has to answer a token request."""

    def question(self) -> Question:
        """What this crawl asks of every URL (:mod:`heedful.policies.fetch.crawlplan`)."""
        return Question(
            agent=self.token,
            use=self.use,
            mode=self.mode,
            tdm_covers_search=self.tdm_covers_search,
            strict=self.strict,
            aipref_draft=self.aipref_draft,
            media=self.media,
        )


def default_user_agent(token: str, info_url: str, use: str) -> str:
    """The product token, a URL describing the crawler, and its purpose (draft-illyes-webbotauth-cbcp)."""
    return f"Mozilla/5.0 (compatible; {token}/{VERSION}; +{info_url}; purpose: {use})"


def _get(settings: BaseSettings, name: str) -> Any:
    return settings.get(name, DEFAULTS[name])


def read_config(settings: BaseSettings) -> HeedfulConfig:
    """Read and check the settings; a bad value raises ``NotConfigured`` naming it."""
    if not settings.getbool("HEEDFUL_ENABLED", DEFAULTS["HEEDFUL_ENABLED"]):
        raise NotConfigured("HEEDFUL_ENABLED is off")
    token = str(_get(settings, "HEEDFUL_PRODUCT_TOKEN")).strip()
    if not token or not all(c.isalpha() or c in "_-" for c in token):
        # RFC 9309 section 2.2.1: a product token is [A-Za-z_-]+.
        raise NotConfigured(f"HEEDFUL_PRODUCT_TOKEN ({token!r}) must match [A-Za-z_-]+")
    try:
        use = Use(str(_get(settings, "HEEDFUL_USE")))
        mode = Mode(str(_get(settings, "HEEDFUL_MODE")))
    except ValueError as exc:
        raise NotConfigured(f"HEEDFUL_USE / HEEDFUL_MODE: {exc}") from exc
    draft = str(_get(settings, "HEEDFUL_AIPREF_DRAFT")).strip()
    if draft not in {d.value for d in AiprefDraft}:
        choices = ", ".join(d.value for d in AiprefDraft)
        raise NotConfigured(f"HEEDFUL_AIPREF_DRAFT ({draft!r}) must be one of {choices}")
    positive = {
        "HEEDFUL_FETCH_TIMEOUT": settings.getfloat(
            "HEEDFUL_FETCH_TIMEOUT", DEFAULTS["HEEDFUL_FETCH_TIMEOUT"]
        ),
        "HEEDFUL_MAX_SIGNAL_BYTES": settings.getint(
            "HEEDFUL_MAX_SIGNAL_BYTES", DEFAULTS["HEEDFUL_MAX_SIGNAL_BYTES"]
        ),
        "HEEDFUL_WARC_MAX_BYTES": settings.getint(
            "HEEDFUL_WARC_MAX_BYTES", DEFAULTS["HEEDFUL_WARC_MAX_BYTES"]
        ),
        "HEEDFUL_LEDGER_BATCH": settings.getint(
            "HEEDFUL_LEDGER_BATCH", DEFAULTS["HEEDFUL_LEDGER_BATCH"]
        ),
    }
    for name, value in positive.items():
        if value <= 0:
            raise NotConfigured(f"{name} ({value!r}) must be higher than 0.")
    max_signal = int(positive["HEEDFUL_MAX_SIGNAL_BYTES"])
    if max_signal < MAX_SIGNAL_BYTES:
        # RFC 9309 2.5: the parsing limit MUST be at least 500 KiB.
        raise NotConfigured(
            f"HEEDFUL_MAX_SIGNAL_BYTES ({max_signal}) must be >= {MAX_SIGNAL_BYTES}"
        )
    maxsize = settings.getint(
        "HEEDFUL_SIGNAL_DOWNLOAD_MAXSIZE", DEFAULTS["HEEDFUL_SIGNAL_DOWNLOAD_MAXSIZE"]
    )
    if maxsize < max_signal:
        raise NotConfigured("HEEDFUL_SIGNAL_DOWNLOAD_MAXSIZE must be >= HEEDFUL_MAX_SIGNAL_BYTES")
    cache = min(
        settings.getint("HEEDFUL_CACHE_MAX_SECONDS", DEFAULTS["HEEDFUL_CACHE_MAX_SECONDS"]),
        MAX_CACHE_SECONDS,  # RFC 9309 2.4: never more than 24 hours
    )
    info_url = str(_get(settings, "HEEDFUL_INFO_URL"))
    user_agent = str(_get(settings, "HEEDFUL_USER_AGENT")) or default_user_agent(
        token, info_url, str(use)
    )
    if token.lower() not in user_agent.lower():
        raise NotConfigured(f"HEEDFUL_USER_AGENT must contain the product token {token!r}")
    budget, max_price, credentials = _licensing(settings)
    return HeedfulConfig(
        licence_budget=budget,
        licence_max_price=max_price,
        licence_credentials=credentials,
        licence_budget_key=str(_get(settings, "HEEDFUL_LICENCE_BUDGET_KEY") or ""),
        redis_url=str(settings.get("REDIS_URL") or ""),
        licence_timeout=max(
            settings.getfloat("HEEDFUL_LICENCE_TIMEOUT", DEFAULTS["HEEDFUL_LICENCE_TIMEOUT"]), 0.1
        ),
        token=token,
        user_agent=user_agent,
        use=use,
        mode=mode,
        strict=settings.getbool("HEEDFUL_STRICT", DEFAULTS["HEEDFUL_STRICT"]),
        tdm_covers_search=settings.getbool(
            "HEEDFUL_TDM_COVERS_SEARCH", DEFAULTS["HEEDFUL_TDM_COVERS_SEARCH"]
        ),
        aipref_draft=AiprefDraft(draft),
        fetch_timeout=float(positive["HEEDFUL_FETCH_TIMEOUT"]),
        max_signal_bytes=max_signal,
        signal_download_maxsize=maxsize,
        cache_max_seconds=max(cache, 0),
        retry_backoff=max(
            settings.getfloat("HEEDFUL_RETRY_BACKOFF", DEFAULTS["HEEDFUL_RETRY_BACKOFF"]), 0.0
        ),
        retry_max_backoff=settings.getfloat(
            "HEEDFUL_RETRY_MAX_BACKOFF", DEFAULTS["HEEDFUL_RETRY_MAX_BACKOFF"]
        ),
        retry_times=max(settings.getint("HEEDFUL_RETRY_TIMES", DEFAULTS["HEEDFUL_RETRY_TIMES"]), 0),
        out_dir=Path(str(_get(settings, "HEEDFUL_OUT_DIR"))),
        ledger_url=str(_get(settings, "HEEDFUL_LEDGER_URL")),
        ledger_batch=int(positive["HEEDFUL_LEDGER_BATCH"]),
        warc_max_bytes=int(positive["HEEDFUL_WARC_MAX_BYTES"]),
        warc_prefix=str(_get(settings, "HEEDFUL_WARC_PREFIX")),
        attribution=settings.getbool("HEEDFUL_ATTRIBUTION", DEFAULTS["HEEDFUL_ATTRIBUTION"]),
        crawl_id=str(_get(settings, "HEEDFUL_CRAWL_ID")),
        media=settings.getbool("HEEDFUL_MEDIA", DEFAULTS["HEEDFUL_MEDIA"]),
    )


def _secret_text(value: object) -> str:
    """A secret setting as text, whether given as text or already as a :class:`Secret`."""
    return value.reveal() if isinstance(value, Secret) else str(value or "")


def _licensing(settings: BaseSettings) -> tuple[Money | None, Money | None, Credentials]:
    """The licence budget, max price and credentials; a bad one raises ``NotConfigured``
    naming the setting, never the secret."""
    money: list[Money | None] = []
    for name in ("HEEDFUL_LICENCE_BUDGET", "HEEDFUL_LICENCE_MAX_PRICE"):
        text = str(_get(settings, name) or "").strip()
        try:
            money.append(parse_money(text) if text else None)
        except BadMoney as exc:
            raise NotConfigured(f"{name}: {exc}") from None
    budget, max_price = money
    if max_price is not None and budget is None:
        raise NotConfigured("HEEDFUL_LICENCE_MAX_PRICE needs HEEDFUL_LICENCE_BUDGET")
    if budget is not None and max_price is not None and budget.currency != max_price.currency:
        raise NotConfigured(
            "HEEDFUL_LICENCE_BUDGET and HEEDFUL_LICENCE_MAX_PRICE differ in currency"
        )
    try:
        credentials = load_credentials(
            str(_get(settings, "HEEDFUL_LICENCE_CLIENT_ID") or ""),
            _secret_text(_get(settings, "HEEDFUL_LICENCE_CLIENT_SECRET")),
            str(_get(settings, "HEEDFUL_LICENCE_CREDENTIALS") or ""),
        )
    except CredentialsError as exc:
        raise NotConfigured(f"HEEDFUL_LICENCE_*: {exc}") from None
    return budget, max_price, credentials
