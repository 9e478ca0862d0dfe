"""What a crawler does with each request and response: the crawl's own decisions, with no I/O.

:func:`heedful.policies.evaluate.evaluate` says what a site allows; this module turns that into the
crawler's next step, so an adapter (``crawler/middlewares.py`` for Scrapy) only translates a
request or response into these inputs and the returned :class:`Action` into its framework's own
(docs/crawler.md, steps 4 and 5):

* before a fetch -- :func:`url_refusal`, then :func:`before_fetch`: fetch, refuse or retry;
* after it -- :func:`after_fetch`: keep, refuse, retry, or leave a failed page to the crawler.

Which verdict leads where is a table (:data:`AFTER_FETCH`), read by the code and the tests alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from heedful.policies.evaluate import evaluate
from heedful.policies.fetch.freshness import retry_after
from heedful.policies.headers import header_values
from heedful.policies.model import (
    DEFAULT_AIPREF_DRAFT,
    AiprefDraft,
    Decision,
    Mode,
    Permission,
    Reason,
    Signal,
    Use,
    Verdict,
    apply_hierarchy,
    most_restrictive,
)
from heedful.policies.origin import BadURL, page_origin
from heedful.policies.signals.media.layer import is_media_type, layer
from heedful.policies.signals.media.signals import MAX_MEDIA_BYTES
from heedful.policies.signals.robots_tag import images_reserved

if TYPE_CHECKING:
    from heedful.policies.headers import Headers
    from heedful.policies.model import Statement
    from heedful.policies.signals.media.signals import MediaSignals
    from heedful.policies.signals.read import PageSignals, SiteSignals


class Action(StrEnum):
    """The crawler's next step for one URL."""

    FETCH = "fetch"
    """Send the request."""
    KEEP = "keep"
    """The response may be used: hand it on (to the spider, the pipelines, the WARC)."""
    REFUSE = "refuse"
    """Drop the request or the response: the site said no (or asks for a licence)."""
    RETRY = "retry"
    """No verdict (``failed`` or ``unknown``): keep nothing and try the URL again later."""
    FAIL = "fail"
    """The page gave no answer (a 404, 429, 5xx): recorded as failed, the response left to the
    crawler's own error handling."""


BLOCKING: Final = frozenset({Permission.DENY, Permission.LICENSE})
"""A site-wide answer that keeps the crawler from fetching, unless the response may override it."""
_TO_VERDICT: Final[Mapping[Permission, Verdict]] = {
    Permission.DENY: Verdict.DENY,
    Permission.LICENSE: Verdict.LICENSE,
}

AFTER_FETCH: Final[Mapping[Verdict, Action]] = {
    Verdict.ALLOW: Action.KEEP,
    Verdict.DENY: Action.REFUSE,
    Verdict.LICENSE: Action.REFUSE,
    # docs/decisions.md, Signal files that cannot be read: no verdict, nothing is kept.
    Verdict.UNKNOWN: Action.RETRY,
    # policies.fetching.page_failure: a 404, 429 or 5xx carries none of the page's statements.
    Verdict.FAILED: Action.FAIL,
}
"""What a response's verdict leads to; a ``KEEP`` of a non-2xx response is refused instead."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Question:
    """What one crawl asks of every URL: who asks, for which use, under which reading."""

    agent: str
    use: Use
    mode: Mode = Mode.OPT_OUT
    tdm_covers_search: bool = False
    strict: bool = False
    aipref_draft: AiprefDraft = DEFAULT_AIPREF_DRAFT
    media: bool = True
    """Read what downloaded images, audio, video and documents say about their own use."""

    def decide(self, site: SiteSignals, page: PageSignals | None = None, *, url: str) -> Decision:
        """:func:`~heedful.policies.evaluate.evaluate` for this crawl's agent, use and reading."""
        return evaluate(
            site,
            page,
            url=url,
            agent=self.agent,
            use=self.use,
            mode=self.mode,
            tdm_covers_search=self.tdm_covers_search,
            strict=self.strict,
            aipref_draft=self.aipref_draft,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class BeforeFetch:
    """Whether a request may leave, and why."""

    action: Action
    """``FETCH``, ``REFUSE`` or ``RETRY``."""
    decision: Decision
    why: str
    """One sentence for the log and the refusal, without the URL's reasons (the decision has them)."""
    provisional: bool = False
    """Fetched only because the response's own TDMRep values may supersede tdmrep.json: it is
    decided again with the response before anything is kept."""
    images_reserved: bool = False
    """Refused because the page it was found on reserved its images."""


@dataclass(frozen=True, kw_only=True, slots=True)
class AfterFetch:
    """What to do with a response, and what the crawler records about it."""

    action: Action
    """``KEEP``, ``REFUSE``, ``RETRY`` or ``FAIL``."""
    decision: Decision
    why: str
    embedded: MediaSignals | None = None
    """What a media file said about itself, when it was read."""
    media_checked: bool = False
    """Whether the response was media whose own statements were looked for (read or not)."""
    body_unread: bool = False
    """``unknown`` only because the body's own metadata could not be read: the response's fault,
    not the origin files', so it is tried again when it may arrive whole."""
    retry_after: int | None = None
    """Seconds a failed 429 or 503 asked the crawler to wait (RFC 9110 section 10.2.3)."""
    reserves_images: Statement | None = None
    """A kept page's reservation of the images on it (DeviantArt's noai and noimageai), when it
    reaches the crawl's use."""


def url_refusal(url: str) -> str:
    """Why ``url`` is refused whatever its site says (not absolute http(s), or a path whose page
    depends on the server: :func:`heedful.policies.origin.page_origin`), or ``""``."""
    try:
        page_origin(url)
    except BadURL as exc:
        return str(exc)
    return ""


def before_fetch(
    site: SiteSignals,
    url: str,
    *,
    question: Question,
    found_on: str = "",
    reservation: Statement | None = None,
) -> BeforeFetch:
    """The step for a request for ``url`` once its origin's files are read.

    ``reservation`` is the reservation of its images by the page ``found_on``, where the
    request was found (:func:`heedful.policies.signals.robots_tag.images_reserved`).
    """
    decision = question.decide(site, url=url)
    if reservation is not None:
        reserved = reserve_images(decision, reservation, found_on=found_on, question=question)
        if reserved is not decision:
            return BeforeFetch(
                action=Action.REFUSE,
                decision=reserved,
                why=f"images of {found_on} are reserved",
                images_reserved=True,
            )
    if decision.access is Verdict.FAILED:
        return BeforeFetch(action=Action.RETRY, decision=decision, why="")
    if decision.access is not Verdict.ALLOW:
        return BeforeFetch(
            action=Action.REFUSE, decision=decision, why=f"access {decision.access} for {url}"
        )
    if decision.verdict is not Verdict.UNKNOWN and decision.uses[question.use] not in BLOCKING:
        return BeforeFetch(action=Action.FETCH, decision=decision, why="")
    if yields_to_response(site, url, question=question):
        return BeforeFetch(action=Action.FETCH, decision=decision, why="", provisional=True)
    if decision.verdict is Verdict.UNKNOWN:
        return BeforeFetch(action=Action.RETRY, decision=decision, why="")
    return BeforeFetch(action=Action.REFUSE, decision=decision, why=f"{decision.verdict} for {url}")


def yields_to_response(site: SiteSignals, url: str, *, question: Question) -> bool:
    """Whether ``url`` may be fetched before tdmrep.json's answer is final: the file (or a
    file that could not be read) is the only thing in the way.

    TDMRep, section Processing priority: a response's ``tdm-reservation`` header or meta
    supersedes tdmrep.json, so what only the file reserves is fetched, decided again with the
    response, and discarded unless allowed.
    """
    if site.tdmrep is None and not any(note.signal is Signal.TDMREP for note in site.notes):
        return False
    notes = tuple(note for note in site.notes if note.signal is not Signal.TDMREP)
    without = question.decide(dataclasses.replace(site, tdmrep=None, notes=notes), url=url)
    return without.verdict is not Verdict.UNKNOWN and without.uses[question.use] not in BLOCKING


def reaches(reservation: Statement | None, question: Question) -> bool:
    """Whether ``reservation`` denies (or asks a licence for) the crawl's use, through the use
    hierarchy."""
    if reservation is None:
        return False
    spread = apply_hierarchy(reservation.uses, tdm_covers_search=question.tdm_covers_search)
    return spread[question.use] in BLOCKING


def reserve_images(
    decision: Decision, reservation: Statement, *, found_on: str, question: Question
) -> Decision:
    """``decision`` for an image once the page it was found on reserved its images, or
    ``decision`` itself when the reservation does not reach the asked use.

    DeviantArt's noai and noimageai directives (docs/decisions.md, Each mechanism's own rules):
    the page's ``noimageai`` applies to its images. The reservation is one more statement,
    combined like any other (most restrictive wins, through the use hierarchy), so ``uses``
    and the verdict agree.
    """
    if not reaches(reservation, question):
        return decision
    reserved = apply_hierarchy(reservation.uses, tdm_covers_search=question.tdm_covers_search)
    asked = reserved[decision.use]
    reason = Reason(
        signal=reservation.signal,
        source=reservation.source or found_on,
        location=reservation.location,
        rule=reservation.rule,
        effect=str(asked),
        note=reservation.note,
    )
    uses = {
        use: most_restrictive(permission, reserved[use])
        if reserved[use] in BLOCKING
        else permission
        for use, permission in decision.uses.items()
    }
    verdict = Verdict.DENY if decision.verdict is Verdict.DENY else _TO_VERDICT[asked]
    return dataclasses.replace(
        decision, verdict=verdict, uses=uses, reasons=(*decision.reasons, reason)
    )


def after_fetch(
    site: SiteSignals,
    page: PageSignals | None,
    *,
    url: str,
    question: Question,
    body: bytes,
    whole: bool = True,
) -> AfterFetch:
    """The step for the response from ``url``: ``page`` as the fetch plan read it
    (:class:`heedful.policies.fetch.plan.PagePlan`), ``body`` the response body as downloaded (``whole`` is
    false when it ended early).

    ``page`` is ``None`` when the plan did not let the page in: robots.txt, read again since the
    request left, no longer lets the crawler fetch it, and nothing of the response is used.
    """
    if page is None:
        decision = question.decide(site, url=url)
        failed = decision.access is Verdict.FAILED
        return AfterFetch(
            action=Action.RETRY if failed else Action.REFUSE,
            decision=decision,
            why=f"access {decision.access} for {url}",
        )
    status = page.status
    decision = question.decide(site, page, url=url)
    ok = status is not None and 200 <= status < 300
    embedded = None
    media_checked = False
    deciding: Reason | None = None
    content_type = media_type(page.headers)
    if question.media and decision.verdict is Verdict.ALLOW and ok and is_media_type(content_type):
        media_checked = True
        site_decision = decision
        decision, embedded = read_embedded(
            decision, body, content_type, source=url, whole=whole, question=question
        )
        if decision.verdict is not site_decision.verdict:
            deciding = decision.reasons[0]  # policies.media.layer puts a narrowing reason first
    action = AFTER_FETCH[decision.verdict]
    if action is Action.KEEP and not ok:
        action = Action.REFUSE
    if action is Action.FAIL:
        return AfterFetch(
            action=action,
            decision=decision,
            why=f"HTTP {status}",
            retry_after=retry_after(status, page.headers),
        )
    if action is Action.RETRY:
        return AfterFetch(
            action=action,
            decision=decision,
            why="",
            embedded=embedded,
            media_checked=media_checked,
            body_unread=media_checked,
        )
    if action is Action.REFUSE:
        why = f"{decision.verdict} after fetch for {url}"
        if deciding is not None:
            why += f": {deciding.location} = {deciding.rule}"
        return AfterFetch(
            action=action,
            decision=decision,
            why=why,
            embedded=embedded,
            media_checked=media_checked,
        )
    metas = page.head.metas if page.head is not None else ()
    reservation = images_reserved(page.headers, metas, agent=question.agent, source=url)
    return AfterFetch(
        action=action,
        decision=decision,
        why="",
        embedded=embedded,
        media_checked=media_checked,
        reserves_images=reservation if reaches(reservation, question) else None,
    )


def media_type(headers: Headers) -> str:
    """The response's media type: its first ``Content-Type``, lower-cased, parameters dropped."""
    values = header_values(headers, "Content-Type")
    return values[0].split(";", 1)[0].strip().lower() if values else ""


def _read_media(body: bytes, content_type: str, *, source: str) -> MediaSignals:
    """:func:`heedful.policies.signals.media.read.read_media`, imported when the first media
    response arrives: its readers (pypdf, fontTools, Pillow, mutagen, c2pa) would otherwise be
    loaded, and scanned by every garbage collection, in a crawl that never meets a media file."""
    from heedful.policies.signals.media.read import read_media

    return read_media(body, content_type, source=source)


def read_embedded(
    decision: Decision,
    body: bytes,
    content_type: str,
    *,
    source: str,
    whole: bool,
    question: Question,
) -> tuple[Decision, MediaSignals | None]:
    """``decision`` after what a downloaded media file says about itself
    (:func:`heedful.policies.signals.media.layer.layer`), and what it said; a body that did not arrive whole,
    or is over the readers' limit, is not read, which leaves the use ``unknown``."""
    unread = ""
    if not whole:
        unread = f"the body ended early ({len(body)} bytes arrived); its metadata was not read"
    elif len(body) > MAX_MEDIA_BYTES:
        unread = f"{len(body)} bytes exceeds the {MAX_MEDIA_BYTES}-byte limit; not read"
    signals = None if unread else _read_media(body, content_type, source=source)
    layered = layer(
        decision,
        signals,
        source=source,
        unread=unread,
        tdm_covers_search=question.tdm_covers_search,
    )
    return layered, signals
