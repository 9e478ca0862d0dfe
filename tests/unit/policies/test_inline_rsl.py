"""An RSL licence challenge that carries its terms in the response body (RSL 1.0 sections 5-6)."""

from __future__ import annotations

from heedful.policies.evaluate import evaluate
from heedful.policies.model import Decision, Use, Verdict
from heedful.policies.signals.read import SignalFile, inline_rsl, read_page, read_site

ORIGIN = "https://pub.example"
URL = f"{ORIGIN}/articles/1"
FRAGMENT = (
    b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/articles/">'
    b'<license><permits type="usage">ai-train</permits>'
    b'<payment type="crawl"><amount currency="USD">0.05</amount></payment></license>'
    b"</content></rsl>"
)
BODY = b"<!doctype html><html><body><h1>Licence required</h1>" + FRAGMENT + b"</body></html>"


def _decide(body: bytes, use: Use = Use.AI_TRAIN) -> Decision:
    site = read_site(
        ORIGIN,
        robots=SignalFile(
            url=f"{ORIGIN}/robots.txt", status=200, body=b"User-agent: *\nAllow: /\n"
        ),
    )
    page = read_page(
        SignalFile(
            url=URL,
            status=402,
            headers=(("WWW-Authenticate", "License"), ("Content-Type", "text/html")),
            body=body,
        )
    )
    return evaluate(site, page, url=URL, agent="HeedfulBot", use=use)


def test_the_inline_terms_are_the_offer() -> None:
    decision = _decide(BODY)
    assert decision.verdict is Verdict.LICENSE
    offers = [o.as_dict() for o in decision.offers]
    assert any(
        o.get("dialect", "").startswith("rsl") or "rsl" in o.get("dialect", "") for o in offers
    ), offers
    assert not any("without a Link" in o.get("problem", "") for o in offers), offers
    assert any(o.get("amount") == "USD 0.05" for o in offers), offers


def test_without_the_fragment_the_missing_terms_are_said() -> None:
    offers = [o.as_dict() for o in _decide(b"<p>pay</p>").offers]
    assert any("without a Link" in o.get("problem", "") for o in offers), offers


def test_fragment_search_is_bounded_and_total() -> None:
    assert inline_rsl(BODY) == FRAGMENT
    assert inline_rsl(b"<rsl") == b""
    assert inline_rsl(b"") == b""
