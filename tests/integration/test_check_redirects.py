"""``heedful check`` follows a page's redirects only where the target may be fetched.

RFC 9309 section 2.2.2 binds every URL a crawler requests; a redirect's target is one. Two real
origins on 127.0.0.1 (two ports): a redirect within the origin to a disallowed path, and one to
another origin whose robots.txt disallows the target. Neither target may be requested at all.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from heedful.client.check import check_urls
from heedful.policies.model import Mode, Use, Verdict

AGENTS = ("HeedfulBot",)


def site(robots: str, pages: dict[str, str], log: list[str]) -> web.Application:
    """An origin answering robots.txt, the given pages, and ``/go/X`` as a 302 to ``X``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        log.append(request.path_qs)
        if request.path == "/robots.txt":
            return web.Response(text=robots)
        if request.path.startswith("/go/"):
            raise web.HTTPFound(request.query["to"])
        if request.path in pages:
            return web.Response(text=pages[request.path], content_type="text/html")
        raise web.HTTPNotFound

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    return app


async def test_a_redirect_to_a_disallowed_path_of_the_same_origin_is_not_followed(
    aiohttp_server: Any,
) -> None:
    log: list[str] = []
    server = await aiohttp_server(
        site("User-agent: *\nDisallow: /private/\n", {"/private/x.html": "<html></html>"}, log)
    )
    url = str(server.make_url("/go/a?to=/private/x.html"))
    (checked,) = await check_urls([url], agents=AGENTS, fetch_timeout=5)
    decision = checked.decide(agent="HeedfulBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert decision.verdict is Verdict.DENY
    assert decision.url == str(server.make_url("/private/x.html"))
    assert any("Disallow: /private/" in reason.rule for reason in decision.reasons)
    assert "/private/x.html" not in log


async def test_a_redirect_to_another_origin_is_decided_by_that_origins_signals(
    aiohttp_server: Any,
) -> None:
    here: list[str] = []
    there: list[str] = []
    other = await aiohttp_server(
        site("User-agent: *\nDisallow: /x\n", {"/x.html": "<html></html>"}, there)
    )
    server = await aiohttp_server(site("User-agent: *\nAllow: /\n", {}, here))
    target = str(other.make_url("/x.html"))
    (checked,) = await check_urls(
        [str(server.make_url("/go/b")) + f"?to={target}"], agents=AGENTS, fetch_timeout=5
    )
    decision = checked.decide(agent="HeedfulBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert decision.verdict is Verdict.DENY
    assert checked.final_url == target
    assert any("Disallow: /x" in reason.rule for reason in decision.reasons)
    assert "/robots.txt" in there
    assert "/x.html" not in there


async def test_a_redirect_to_an_allowed_page_is_followed_and_decided_there(
    aiohttp_server: Any,
) -> None:
    log: list[str] = []
    page = '<html><head><meta name="robots" content="noai"></head></html>'
    server = await aiohttp_server(site("User-agent: *\nAllow: /\n", {"/new.html": page}, log))
    (checked,) = await check_urls(
        [str(server.make_url("/go/c?to=/new.html"))], agents=AGENTS, fetch_timeout=5
    )
    decision = checked.decide(agent="HeedfulBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert "/new.html" in log
    assert checked.final_url == str(server.make_url("/new.html"))
    assert decision.verdict is Verdict.DENY
    assert any("noai" in reason.rule for reason in decision.reasons)
