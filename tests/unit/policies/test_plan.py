"""The fetch plan: what it asks for, in which order, and what it makes of the answers."""

from __future__ import annotations

import pytest

from heedful.policies.evaluate import evaluate
from heedful.policies.fetch.plan import (
    PAGE_LIMIT,
    SITE_FILES,
    DecidedAccess,
    FetchRequest,
    OriginPlan,
    PagePlan,
    Plan,
    PlanError,
    Purpose,
    run,
)
from heedful.policies.fetch.redirects import MAX_REDIRECTS
from heedful.policies.fetch.statuses import Availability
from heedful.policies.model import Mode, Signal, Use, Verdict
from heedful.policies.signals.read import FILE_LIMITS, LICENSE_LIMIT, SignalFile, SiteSignals
from heedful.policies.signals.removals import REMOVALS_PATH

ORIGIN = "https://site.example"
PAGE = f"{ORIGIN}/articles/one.html"
RSL = b"""<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>
<prohibits type="usage">ai-train</prohibits></license></content></rsl>"""


def ok(url: str, body: bytes, content_type: str = "text/plain", **extra: str) -> SignalFile:
    headers = (("Content-Type", content_type), *extra.items())
    return SignalFile(url=url, status=200, headers=headers, body=body)


def missing(url: str) -> SignalFile:
    return SignalFile(url=url, status=404, headers=(("Content-Type", "text/plain"),))


def answer_all(plan: OriginPlan | PagePlan | Plan, files: dict[str, SignalFile]) -> list[str]:
    """Answer every request from ``files`` (404 when absent); return the URLs asked, in order."""
    asked: list[str] = []
    while not plan.done:
        requests = plan.next_requests()
        assert requests, "the plan waits for nothing"
        for request in requests:
            asked.append(request.url)
            plan.receive(request, files.get(request.url) or missing(request.url))
    return asked


def test_a_checker_asks_for_every_site_file_at_once_with_each_readers_limit() -> None:
    plan = OriginPlan(ORIGIN)
    requests = plan.next_requests()
    assert [(r.purpose, r.url, r.max_bytes) for r in requests] == [
        (purpose, ORIGIN + path, FILE_LIMITS[path]) for purpose, path in SITE_FILES
    ]
    assert plan.next_requests() == ()
    assert not plan.done
    with pytest.raises(PlanError):
        _ = plan.site


def test_the_site_file_list_names_the_removals_list() -> None:
    assert (Purpose.REMOVALS, REMOVALS_PATH) in SITE_FILES
    assert SITE_FILES[0] == (Purpose.ROBOTS, "/robots.txt")


def test_licences_named_by_robots_txt_are_asked_for_after_the_site_files() -> None:
    plan = OriginPlan(ORIGIN)
    robots = ok(f"{ORIGIN}/robots.txt", b"User-agent: *\nAllow: /\nLicense: /license.xml\n")
    first = plan.next_requests()
    for request in first:
        plan.receive(request, robots if request.purpose is Purpose.ROBOTS else missing(request.url))
    (licence,) = plan.next_requests()
    assert licence == FetchRequest(
        url=f"{ORIGIN}/license.xml", purpose=Purpose.LICENSE, max_bytes=LICENSE_LIMIT
    )
    assert not plan.done
    plan.receive(licence, ok(licence.url, RSL, "application/rsl+xml"))
    assert plan.done
    assert f"{ORIGIN}/license.xml" in plan.site.licenses


def test_a_gated_crawler_asks_for_robots_txt_alone_first() -> None:
    plan = OriginPlan(ORIGIN, gate_agent="ExampleBot")
    (robots,) = plan.next_requests()
    assert robots.purpose is Purpose.ROBOTS
    plan.receive(robots, ok(robots.url, b"User-agent: *\nDisallow: /.well-known/\n"))
    asked = {r.purpose for r in plan.next_requests()}
    assert asked == {Purpose.AI_TXT}


@pytest.mark.parametrize(
    "robots",
    [
        ok(f"{ORIGIN}/robots.txt", b"User-agent: *\nDisallow: /\nLicense: /license.xml\n"),
        SignalFile(url=f"{ORIGIN}/robots.txt", status=503),
        SignalFile(url=f"{ORIGIN}/robots.txt", status=None, error="connection refused"),
    ],
    ids=["disallow-all", "unreachable", "no-answer"],
)
def test_a_gated_crawler_asks_for_nothing_else_where_robots_txt_forbids(
    robots: SignalFile,
) -> None:
    plan = OriginPlan(ORIGIN, gate_agent="ExampleBot")
    (request,) = plan.next_requests()
    plan.receive(request, robots)
    assert plan.next_requests() == ()
    assert plan.done
    assert plan.site.tdmrep is None
    assert plan.site.licenses == {}


def test_no_answer_for_robots_txt_is_complete_disallow() -> None:
    plan = OriginPlan(ORIGIN)
    for request in plan.next_requests():
        plan.fail(request, "connection refused")
    assert plan.site.robots_outcome.availability is Availability.UNREACHABLE
    assert not plan.site.robots_outcome.answered


def test_a_body_over_the_limit_is_cut_and_unreadable() -> None:
    plan = OriginPlan(ORIGIN)
    tdmrep_limit = FILE_LIMITS["/.well-known/tdmrep.json"]
    for request in plan.next_requests():
        if request.purpose is Purpose.TDMREP:
            body = b'[{"location": "/", "tdm-reservation": 1}' + b" " * tdmrep_limit + b"]"
            plan.receive(request, ok(request.url, body, "application/json"))
        else:
            plan.receive(request, missing(request.url))
    (note,) = plan.site.notes
    assert note.signal is Signal.TDMREP
    assert "larger than" in note.rule


def test_a_redirect_handed_in_one_hop_at_a_time_is_followed() -> None:
    plan = OriginPlan(ORIGIN)
    for request in plan.next_requests():
        if request.purpose is Purpose.ROBOTS:
            plan.receive(
                request,
                SignalFile(url=request.url, status=301, headers=(("Location", "/real.txt"),)),
            )
        else:
            plan.receive(request, missing(request.url))
    (hop,) = plan.next_requests()
    assert (hop.url, hop.purpose, hop.hops, hop.first_url) == (
        f"{ORIGIN}/real.txt",
        Purpose.ROBOTS,
        1,
        f"{ORIGIN}/robots.txt",
    )
    plan.receive(hop, ok(hop.url, b"User-agent: *\nDisallow: /private/\n"))
    assert plan.done
    assert plan.site.robots_outcome.availability is Availability.FOUND
    assert "after 1 redirect" in plan.site.robots_outcome.reason


def test_a_redirect_chain_past_the_limit_fails_closed() -> None:
    plan = OriginPlan(ORIGIN)
    hops = 0
    while not plan.done:
        for request in plan.next_requests():
            if request.purpose is Purpose.ROBOTS:
                hops = max(hops, request.hops)
                target = f"/r{request.hops + 1}.txt"
                plan.receive(
                    request,
                    SignalFile(url=request.url, status=302, headers=(("Location", target),)),
                )
            else:
                plan.receive(request, missing(request.url))
    assert hops == MAX_REDIRECTS
    assert plan.site.robots_outcome.availability is Availability.UNREACHABLE
    assert f"more than {MAX_REDIRECTS}" in plan.site.robots_outcome.reason


def test_redirects_the_adapter_followed_count_toward_the_limit() -> None:
    plan = OriginPlan(ORIGIN)
    for request in plan.next_requests():
        if request.purpose is Purpose.ROBOTS:
            plan.receive(
                request,
                SignalFile(
                    url=f"{ORIGIN}/r6.txt",
                    status=302,
                    headers=(("Location", "/r7.txt"),),
                    redirects=MAX_REDIRECTS + 1,
                    error=f"more than {MAX_REDIRECTS} redirects",
                ),
            )
        else:
            plan.receive(request, missing(request.url))
    assert plan.done
    assert plan.site.robots_outcome.availability is Availability.UNREACHABLE


def test_an_answer_to_a_request_never_made_is_misuse() -> None:
    plan = OriginPlan(ORIGIN)
    stray = FetchRequest(url=f"{ORIGIN}/other", purpose=Purpose.PAGE, max_bytes=1)
    with pytest.raises(PlanError):
        plan.receive(stray, missing(stray.url))


def _site(robots: bytes) -> OriginPlan:
    plan = OriginPlan(ORIGIN)
    answer_all(plan, {f"{ORIGIN}/robots.txt": ok(f"{ORIGIN}/robots.txt", robots)})
    return plan


def test_the_page_is_not_fetched_where_robots_txt_forbids_it_and_the_refusal_says_why() -> None:
    site = _site(b"User-agent: *\nDisallow: /articles/\n").site
    plan = PagePlan(site, PAGE, agents=["ExampleBot"])
    assert plan.next_requests() == ()
    assert plan.done
    assert plan.page is None
    assert plan.refusal is not None
    assert plan.refusal.access is Verdict.DENY
    assert any("Disallow: /articles/" in reason.rule for reason in plan.refusal.reasons)


def test_the_page_is_fetched_when_any_agent_may_access_it() -> None:
    site = _site(b"User-agent: OtherBot\nDisallow: /\n").site
    plan = PagePlan(site, PAGE, agents=["OtherBot", "ExampleBot"])
    (request,) = plan.next_requests()
    assert (request.url, request.purpose, request.max_bytes) == (PAGE, Purpose.PAGE, PAGE_LIMIT)
    assert plan.refusal is None


def _decided(site: SiteSignals, agent: str = "ExampleBot") -> DecidedAccess:
    return DecidedAccess(site, evaluate(site, None, url=PAGE, agent=agent, use=Use.AI_TRAIN))


def test_an_access_decided_before_the_fetch_is_the_plans_access() -> None:
    allowed = _site(b"User-agent: *\nAllow: /\n").site
    denied = _site(b"User-agent: *\nDisallow: /articles/\n").site
    plan = PagePlan(allowed, PAGE, agents=["ExampleBot"], decided=_decided(allowed))
    assert plan.refusal is None
    assert [r.purpose for r in plan.next_requests()] == [Purpose.PAGE]
    decided = _decided(denied)
    refused = PagePlan(denied, PAGE, agents=["ExampleBot"], decided=decided)
    assert refused.done
    assert refused.refusal is decided.decision


def test_an_access_decided_under_other_signals_or_for_another_page_is_decided_again() -> None:
    before = _site(b"User-agent: *\nAllow: /\n").site
    since = _site(b"User-agent: *\nDisallow: /articles/\n").site
    decided = _decided(before)
    assert not decided.covers(since, PAGE, ["ExampleBot"])
    assert not decided.covers(before, f"{ORIGIN}/other", ["ExampleBot"])
    assert not decided.covers(before, PAGE, ["OtherBot"])
    assert not decided.covers(before, PAGE, ["ExampleBot", "OtherBot"])
    plan = PagePlan(since, PAGE, agents=["ExampleBot"], decided=decided)
    assert plan.done
    assert plan.refusal is not None
    assert plan.refusal.access is Verdict.DENY


def test_licences_the_page_names_are_fetched_before_it_is_read() -> None:
    site = _site(b"User-agent: *\nAllow: /\n").site
    plan = PagePlan(site, PAGE, agents=["ExampleBot"])
    (request,) = plan.next_requests()
    link = '</terms.xml>; rel="license"; type="application/rsl+xml"'
    plan.receive(request, ok(PAGE, b"<html><head></head></html>", "text/html", Link=link))
    (licence,) = plan.next_requests()
    assert (licence.url, licence.purpose) == (f"{ORIGIN}/terms.xml", Purpose.LICENSE)
    assert not plan.done
    plan.receive(licence, ok(licence.url, RSL, "application/rsl+xml"))
    assert plan.page is not None
    assert f"{ORIGIN}/terms.xml" in plan.page.licenses


def test_a_page_that_gives_no_answer_is_failed() -> None:
    plan = Plan(PAGE, origin=ORIGIN, agents=["ExampleBot"])
    while not plan.done:
        for request in plan.next_requests():
            if request.purpose is Purpose.PAGE:
                plan.fail(request, "timed out after 10.0 s")
            else:
                plan.receive(request, missing(request.url))
    decision = plan.decide(agent="ExampleBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert decision.verdict is Verdict.FAILED


def test_a_whole_plan_yields_the_decision_with_its_reasons() -> None:
    robots = ok(f"{ORIGIN}/robots.txt", b"User-agent: *\nAllow: /\n")
    page = ok(PAGE, b"<html><head></head></html>", "text/html", **{"Content-Usage": "train-ai=n"})
    plan = Plan(PAGE, origin=ORIGIN, agents=["ExampleBot"])
    with pytest.raises(PlanError):
        plan.decide(agent="ExampleBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    asked = answer_all(plan, {robots.url: robots, PAGE: page})
    assert asked == [ORIGIN + path for _, path in SITE_FILES] + [PAGE]
    decision = plan.decide(agent="ExampleBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert decision.verdict is Verdict.DENY
    assert any(
        r.signal is Signal.CONTENT_USAGE and r.rule == "train-ai=n" for r in decision.reasons
    )


def test_a_plan_given_the_origins_signals_asks_only_for_the_page() -> None:
    site = _site(b"User-agent: *\nAllow: /\n").site
    plan = Plan(PAGE, origin=ORIGIN, agents=["ExampleBot"], site=site)
    assert [r.purpose for r in plan.next_requests()] == [Purpose.PAGE]


def test_run_drives_a_plan_with_answers_that_need_no_waiting() -> None:
    plan = Plan(PAGE, origin=ORIGIN, agents=["ExampleBot"])
    run(plan, lambda request: missing(request.url))
    assert plan.done
    assert plan.site.robots_outcome.availability is Availability.UNAVAILABLE


def test_a_whole_plan_says_why_the_page_was_not_fetched() -> None:
    robots = ok(f"{ORIGIN}/robots.txt", b"User-agent: *\nDisallow: /\n")
    plan = Plan(PAGE, origin=ORIGIN, agents=["ExampleBot"])
    assert plan.refusal is None
    asked = answer_all(plan, {robots.url: robots})
    assert PAGE not in asked
    assert plan.refusal is not None
    assert plan.refusal.access is Verdict.DENY
    decision = plan.decide(agent="ExampleBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert decision.verdict is Verdict.DENY


def test_a_page_plan_needs_an_agent() -> None:
    site = _site(b"").site
    with pytest.raises(ValueError, match="at least one agent"):
        PagePlan(site, PAGE, agents=[])


def moved(url: str, location: str, status: int = 301) -> SignalFile:
    return SignalFile(url=url, status=status, headers=(("Location", location),))


def test_a_page_redirect_to_an_allowed_path_is_followed_and_decided_there() -> None:
    site = _site(b"User-agent: *\nDisallow: /private/\n").site
    plan = PagePlan(site, PAGE, agents=["ExampleBot"])
    (request,) = plan.next_requests()
    plan.receive(request, moved(PAGE, "/articles/two.html"))
    (hop,) = plan.next_requests()
    assert (hop.url, hop.purpose, hop.hops) == (f"{ORIGIN}/articles/two.html", Purpose.PAGE, 1)
    plan.receive(hop, ok(hop.url, b"<html><head></head></html>", "text/html"))
    assert plan.done
    assert plan.final_url == f"{ORIGIN}/articles/two.html"
    assert plan.page is not None


def test_a_page_redirect_to_a_disallowed_path_is_not_followed_and_says_why() -> None:
    """RFC 9309 2.2.2 binds every URL a crawler requests, a redirect's target included."""
    site = _site(b"User-agent: *\nDisallow: /private/\n").site
    plan = PagePlan(site, PAGE, agents=["ExampleBot"])
    (request,) = plan.next_requests()
    plan.receive(request, moved(PAGE, "/private/secret.html", status=302))
    assert plan.done
    assert plan.next_requests() == ()
    assert plan.page is None
    assert plan.final_url == f"{ORIGIN}/private/secret.html"
    assert plan.refusal is not None
    assert plan.refusal.access is Verdict.DENY
    assert any("Disallow: /private/" in reason.rule for reason in plan.refusal.reasons)


def test_a_page_redirect_to_another_origin_ends_the_page_plan_there() -> None:
    site = _site(b"User-agent: *\nAllow: /\n").site
    plan = PagePlan(site, PAGE, agents=["ExampleBot"])
    (request,) = plan.next_requests()
    plan.receive(request, moved(PAGE, "https://other.example/x.html"))
    assert plan.done
    assert plan.redirected_to == "https://other.example/x.html"
    assert plan.hops == 1
    assert plan.page is None
    assert plan.refusal is None


def test_a_whole_plan_reads_the_redirect_targets_origin_before_fetching_it() -> None:
    other = "https://other.example"
    files = {
        f"{ORIGIN}/robots.txt": ok(f"{ORIGIN}/robots.txt", b"User-agent: *\nAllow: /\n"),
        PAGE: moved(PAGE, f"{other}/x.html"),
        f"{other}/robots.txt": ok(f"{other}/robots.txt", b"User-agent: *\nDisallow: /x\n"),
    }
    plan = Plan(PAGE, origin=ORIGIN, agents=["ExampleBot"])
    asked = answer_all(plan, files)
    assert f"{other}/robots.txt" in asked
    assert f"{other}/x.html" not in asked
    assert plan.final_url == f"{other}/x.html"
    decision = plan.decide(agent="ExampleBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert decision.verdict is Verdict.DENY
    assert decision.url == f"{other}/x.html"
    assert any("Disallow: /x" in reason.rule for reason in decision.reasons)


def test_redirects_across_origins_count_toward_one_limit() -> None:
    """Two origins bouncing a page between them stop at MAX_REDIRECTS hops in all."""
    other = "https://other.example"
    files: dict[str, SignalFile] = {}
    for host, there in ((ORIGIN, other), (other, ORIGIN)):
        files[f"{host}/robots.txt"] = ok(f"{host}/robots.txt", b"User-agent: *\nAllow: /\n")
        for n in range(MAX_REDIRECTS + 2):
            files[f"{host}/p{n}"] = moved(f"{host}/p{n}", f"{there}/p{n + 1}")
    plan = Plan(f"{ORIGIN}/p0", origin=ORIGIN, agents=["ExampleBot"])
    asked = answer_all(plan, files)
    pages = [url for url in asked if "/p" in url]
    assert len(pages) == MAX_REDIRECTS + 1
    decision = plan.decide(agent="ExampleBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert decision.verdict is not Verdict.ALLOW
