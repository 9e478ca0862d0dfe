"""The crawler's steps, decided in the core: which request leaves, which response is kept
(docs/crawler.md, steps 4 and 5)."""

from __future__ import annotations

from typing import Any

import pytest

from heedful.policies.fetch.crawlplan import (
    AFTER_FETCH,
    Action,
    AfterFetch,
    Question,
    after_fetch,
    before_fetch,
    reserve_images,
    url_refusal,
    yields_to_response,
)
from heedful.policies.model import Decision, Permission, Signal, Use, Verdict
from heedful.policies.signals.read import PageSignals, SignalFile, SiteSignals, read_page, read_site
from heedful.policies.signals.robots_tag import images_reserved
from tests.helpers.media_files import image, xmp_packet

ORIGIN = "http://site.test"
ASK = Question(agent="HeedfulBot", use=Use.AI_TRAIN)
TDMREP = '[{"location": "/reserved/", "tdm-reservation": 1}]'


def site(
    robots: str | None = "",
    *,
    robots_status: int | None = 200,
    tdmrep: str | None = None,
    ai_txt: str | None = None,
) -> SiteSignals:
    def file(path: str, body: str | None, status: int | None = 200) -> SignalFile:
        if body is None and status == 200:
            return SignalFile(url=ORIGIN + path, status=404)
        return SignalFile(url=ORIGIN + path, status=status, body=(body or "").encode())

    return read_site(
        ORIGIN,
        robots=file("/robots.txt", robots, robots_status),
        tdmrep=file("/.well-known/tdmrep.json", tdmrep),
        ai_txt=file("/ai.txt", ai_txt),
    )


def page(
    path: str, *, status: int = 200, headers: tuple[tuple[str, str], ...] = (), body: bytes = b""
) -> PageSignals:
    return read_page(SignalFile(url=ORIGIN + path, status=status, headers=headers, body=body))


def fetched(signals: SiteSignals, read: PageSignals, **kw: Any) -> AfterFetch:
    return after_fetch(signals, read, url=read.url, **kw)


def consistent(decision: Decision) -> bool:
    """The verdict agrees with the combined answer for the asked use."""
    asked = decision.uses[decision.use]
    expected = {Permission.DENY: Verdict.DENY, Permission.LICENSE: Verdict.LICENSE}
    return asked not in expected or decision.verdict is expected[asked]


def test_every_verdict_leads_somewhere_after_a_fetch() -> None:
    assert set(AFTER_FETCH) == set(Verdict)
    assert AFTER_FETCH[Verdict.ALLOW] is Action.KEEP
    assert {AFTER_FETCH[v] for v in (Verdict.DENY, Verdict.LICENSE)} == {Action.REFUSE}


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://site.test/a", "not an absolute http(s) URL"),
        ("http://site.test/press/..%2fpage", "hides a dot segment"),
        ("http://site.test/a%5C..%5Cb", "hides a dot segment"),
        ("http://site.test/press/page", ""),
    ],
)
def test_urls_refused_whatever_the_site_says(url: str, fragment: str) -> None:
    refusal = url_refusal(url)
    assert (fragment in refusal) if fragment else refusal == ""


@pytest.mark.parametrize(
    ("signals", "path", "action", "why"),
    [
        (site("User-agent: *\nDisallow: /private/\n"), "/private/x", Action.REFUSE, "access deny"),
        (site("User-agent: *\nDisallow: /private/\n"), "/open", Action.FETCH, ""),
        (site(None, robots_status=503), "/open", Action.REFUSE, "access deny"),  # RFC 9309 2.3.1.4
        (site(None, robots_status=None), "/open", Action.RETRY, ""),  # no answer: no verdict
        (site(ai_txt="User-Agent: *\nDisallow: /\n"), "/open", Action.REFUSE, "deny for"),
    ],
    ids=["disallowed", "allowed", "unreachable", "no-answer", "ai-txt-deny"],
)
def test_before_fetch(signals: SiteSignals, path: str, action: Action, why: str) -> None:
    step = before_fetch(signals, ORIGIN + path, question=ASK)
    assert step.action is action
    assert why in step.why
    assert not step.provisional
    assert consistent(step.decision)


def test_a_reservation_only_tdmrep_json_makes_is_fetched_provisionally() -> None:
    """TDMRep, section Processing priority: the response's own header may supersede the file."""
    signals = site(tdmrep=TDMREP)
    step = before_fetch(signals, ORIGIN + "/reserved/a", question=ASK)
    assert step.decision.verdict is Verdict.DENY
    assert (step.action, step.provisional) == (Action.FETCH, True)
    assert yields_to_response(signals, ORIGIN + "/reserved/a", question=ASK)
    reopened = fetched(
        signals, page("/reserved/a", headers=(("tdm-reservation", "0"),)), question=ASK, body=b""
    )
    assert reopened.action is Action.KEEP


def test_tdmrep_json_beside_another_reservation_is_not_fetched() -> None:
    signals = site(tdmrep=TDMREP, ai_txt="User-Agent: *\nDisallow: /reserved/\n")
    assert not yields_to_response(signals, ORIGIN + "/reserved/a", question=ASK)
    assert before_fetch(signals, ORIGIN + "/reserved/a", question=ASK).action is Action.REFUSE


def test_an_unreadable_tdmrep_json_alone_is_fetched_provisionally() -> None:
    signals = site(tdmrep="[{not json")
    step = before_fetch(signals, ORIGIN + "/a", question=ASK)
    assert step.decision.verdict is Verdict.UNKNOWN
    assert (step.action, step.provisional) == (Action.FETCH, True)


def test_an_unreadable_ai_txt_is_retried() -> None:
    signals = read_site(
        ORIGIN,
        robots=SignalFile(url=ORIGIN + "/robots.txt", status=404),
        ai_txt=SignalFile(url=ORIGIN + "/ai.txt", status=503),
    )
    step = before_fetch(signals, ORIGIN + "/a", question=ASK)
    assert (step.decision.verdict, step.action) == (Verdict.UNKNOWN, Action.RETRY)


NOIMAGEAI = images_reserved((("X-Robots-Tag", "noimageai"),), (), agent="HeedfulBot")


def test_a_page_s_image_reservation_refuses_its_images_with_a_consistent_decision() -> None:
    assert NOIMAGEAI is not None
    step = before_fetch(
        site(),
        ORIGIN + "/img/a.jpg",
        question=ASK,
        found_on=ORIGIN + "/gallery",
        reservation=NOIMAGEAI,
    )
    assert (step.action, step.images_reserved) == (Action.REFUSE, True)
    assert step.why == f"images of {ORIGIN}/gallery are reserved"
    decision = step.decision
    assert decision.verdict is Verdict.DENY
    assert decision.uses[Use.AI_TRAIN] is Permission.DENY
    assert decision.uses[Use.GENAI_TRAIN] is Permission.DENY  # through the hierarchy
    assert decision.reasons[-1].signal is Signal.ROBOTS_TAG
    assert decision.reasons[-1].effect == "deny"
    assert decision.reasons[-1].source == ORIGIN + "/gallery"


def test_an_image_reservation_does_not_reach_search() -> None:
    """noimageai reserves AI uses (docs/decisions.md, X-Robots-Tag row); a search crawl of the
    images is decided by the site's signals alone."""
    assert NOIMAGEAI is not None
    search = Question(agent="HeedfulBot", use=Use.SEARCH)
    decision = search.decide(site(), url=ORIGIN + "/img/a.jpg")
    assert reserve_images(decision, NOIMAGEAI, found_on="", question=search) is decision
    step = before_fetch(
        site(), ORIGIN + "/img/a.jpg", question=search, found_on="p", reservation=NOIMAGEAI
    )
    assert step.action is Action.FETCH
    html = b'<html><head><meta name="robots" content="noimageai"></head></html>'
    kept = fetched(site(), page("/gallery", body=html), question=search, body=html)
    assert (kept.action, kept.reserves_images) == (Action.KEEP, None)


def test_a_kept_page_names_its_image_reservation() -> None:
    step = fetched(
        site(),
        page("/gallery", headers=(("Content-Type", "text/html"),), body=b""),
        question=ASK,
        body=b"",
    )
    assert step.action is Action.KEEP
    assert step.reserves_images is None
    html = b'<html><head><meta name="robots" content="noimageai"></head></html>'
    step = fetched(
        site(),
        page("/gallery", headers=(("Content-Type", "text/html"),), body=html),
        question=ASK,
        body=html,
    )
    assert step.action is Action.KEEP
    assert step.reserves_images is not None
    assert step.reserves_images.signal is Signal.ROBOTS_TAG


JPEG = (("Content-Type", "image/jpeg; charset=binary"),)


def test_an_embedded_reservation_refuses_with_a_consistent_decision() -> None:
    body = image("JPEG", xmp_packet())
    step = fetched(site(), page("/a.jpg", headers=JPEG, body=body), question=ASK, body=body)
    assert (step.action, step.media_checked) == (Action.REFUSE, True)
    assert step.embedded is not None
    decision = step.decision
    assert decision.verdict is Verdict.DENY
    assert decision.uses[Use.AI_TRAIN] is Permission.DENY
    first = decision.reasons[0]
    assert first.location == "XMP plus:DataMining"
    assert step.why.endswith(f": {first.location} = {first.rule}")


def test_a_media_file_that_did_not_arrive_whole_is_retried() -> None:
    body = image("JPEG", xmp_packet())[:40]
    step = fetched(
        site(), page("/a.jpg", headers=JPEG, body=body), question=ASK, body=body, whole=False
    )
    assert (step.action, step.body_unread, step.embedded) == (Action.RETRY, True, None)
    assert "ended early" in step.decision.reasons[0].rule


def test_media_is_not_read_when_the_crawl_does_not_ask() -> None:
    body = image("JPEG", xmp_packet())
    no_media = Question(agent="HeedfulBot", use=Use.AI_TRAIN, media=False)
    step = fetched(site(), page("/a.jpg", headers=JPEG, body=body), question=no_media, body=body)
    assert (step.action, step.media_checked) == (Action.KEEP, False)


@pytest.mark.parametrize(
    ("status", "headers", "wait"),
    [
        (404, (), None),
        (503, (("Retry-After", "7"),), 7),
        (429, (("Retry-After", "3"),), 3),
        (500, (("Retry-After", "3"),), None),  # RFC 9110 10.2.3: only for 429 and 503
    ],
)
def test_a_page_that_gave_no_answer_fails(
    status: int, headers: tuple[tuple[str, str], ...], wait: int | None
) -> None:
    step = fetched(site(), page("/p", status=status, headers=headers), question=ASK, body=b"")
    assert (step.action, step.why, step.retry_after) == (Action.FAIL, f"HTTP {status}", wait)
    assert step.decision.verdict is Verdict.FAILED


def test_a_response_header_reservation_is_refused_fetched() -> None:
    step = fetched(site(), page("/p", headers=(("X-Robots-Tag", "noai"),)), question=ASK, body=b"")
    assert step.action is Action.REFUSE
    assert step.why == f"deny after fetch for {ORIGIN}/p"
    assert consistent(step.decision)


def test_a_page_the_plan_kept_out_is_not_used() -> None:
    """robots.txt read again after the request left now disallows it: nothing is kept."""
    signals = site("User-agent: *\nDisallow: /\n")
    step = after_fetch(signals, None, url=ORIGIN + "/p", question=ASK, body=b"<html>")
    assert (step.action, step.why) == (Action.REFUSE, f"access deny for {ORIGIN}/p")
    unanswered = site(None, robots_status=None)
    assert after_fetch(unanswered, None, url=ORIGIN + "/p", question=ASK, body=b"").action is (
        Action.RETRY
    )
