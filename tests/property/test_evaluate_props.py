"""Laws of the evaluator, over random combinations of real signal lines.

* every decision has at least one reason;
* adding a statement that denies never makes any verdict less strict (a deny stays a deny);
* consent is never more permissive than opt-out for the same signals;
* a decider held for many URLs decides each as one made for that URL alone.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies import decide
from heedful.policies.evaluate import OriginDecider, evaluate
from heedful.policies.model import Mode, Use, Verdict
from heedful.policies.signals.read import SignalFile, read_page, read_site

ORDER = {Verdict.ALLOW: 0, Verdict.LICENSE: 1, Verdict.DENY: 2}
URL = "https://pub.example/articles/1"

ROBOTS_LINES = [
    "User-agent: *",
    "User-agent: HeedfulBot",
    "User-agent: GPTBot",
    "Allow: /",
    "Disallow: /articles/",
    "Disallow: /private",
    "Content-Usage: train-ai=n",
    "Content-Usage: train-ai=y, search=y",
    "Content-Usage: /articles/ search=n",
    "Content-Signal: ai-train=yes, ai-input=yes, search=yes",
    "Content-Signal: ai-train=no",
    "License: /license.xml",
    "",
]
TDMREP = [
    None,
    '[{"location": "/", "tdm-reservation": 0}]',
    '[{"location": "/articles/", "tdm-reservation": 1}]',
    '[{"location": "/", "tdm-reservation": 1, "tdm-policy": "https://pub.example/p"}]',
]
RSL = [
    None,
    (
        '<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license><permits type="usage">all</permits>'
        "</license></content></rsl>"
    ),
    (
        '<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license><permits type="usage">ai-train'
        '</permits><payment type="purchase"><amount currency="USD">5</amount></payment></license></content></rsl>'
    ),
]
HEADERS = [
    ("Content-Usage", "train-ai=y, search=y"),
    ("Content-Signal", "ai-train=yes"),
    ("tdm-reservation", "0"),
    ("X-Robots-Tag", "noindex"),
    ("Content-Type", "text/html"),
]
DENIALS = [
    ("Content-Usage", "train-ai=n, search=n"),
    ("X-Robots-Tag", "noai"),
    ("Content-Signal", "ai-input=no"),
    ("X-Robots-Tag", "heedfulbot: noai, noindex"),
]

sites = st.fixed_dictionaries(
    {
        "robots_txt": st.one_of(
            st.none(), st.lists(st.sampled_from(ROBOTS_LINES), max_size=8).map("\n".join)
        ),
        "tdmrep_json": st.sampled_from(TDMREP),
        "rsl": st.sampled_from(RSL),
        "headers": st.lists(st.sampled_from(HEADERS), max_size=4),
    }
)


def _decide(site: dict, use: Use, mode: Mode, extra: list[tuple[str, str]] | None = None):
    licenses = {"https://pub.example/license.xml": site["rsl"]} if site["rsl"] else None
    return decide(
        URL,
        use=use,
        mode=mode,
        robots_txt=site["robots_txt"],
        tdmrep_json=site["tdmrep_json"],
        licenses=licenses,
        status=200,
        headers=[*site["headers"], *(extra or [])],
    )


@settings(max_examples=150, deadline=None)
@given(
    site=sites,
    use=st.sampled_from(list(Use)),
    mode=st.sampled_from(list(Mode)),
    denial=st.lists(st.sampled_from(DENIALS), min_size=1, max_size=3),
)
def test_adding_a_deny_never_loosens(
    site: dict, use: Use, mode: Mode, denial: list[tuple[str, str]]
) -> None:
    before = _decide(site, use, mode)
    after = _decide(site, use, mode, denial)
    assert before.reasons
    assert after.reasons
    assert ORDER[after.verdict] >= ORDER[before.verdict], (before.as_dict(), after.as_dict())


@settings(max_examples=150, deadline=None)
@given(site=sites, use=st.sampled_from(list(Use)))
def test_consent_is_never_looser_than_opt_out(site: dict, use: Use) -> None:
    opt_out = _decide(site, use, Mode.OPT_OUT)
    consent = _decide(site, use, Mode.CONSENT)
    assert ORDER[consent.verdict] >= ORDER[opt_out.verdict]


PATHS = ["/", "/articles/1", "/articles/", "/private/x", "/robots.txt", "/a?b=1", "/img.jpg"]


@settings(max_examples=100, deadline=None)
@given(
    site=sites,
    use=st.sampled_from(list(Use)),
    mode=st.sampled_from(list(Mode)),
    paths=st.lists(st.sampled_from(PATHS), min_size=1, max_size=6),
    fetched=st.booleans(),
)
def test_a_decider_held_for_many_urls_decides_each_as_a_fresh_one(
    site: dict, use: Use, mode: Mode, paths: list[str], fetched: bool
) -> None:
    """What a decider prepares for one URL (a rule's statement, a page's TDMRep layering) is
    reused for the next: the decisions must be those of a decider made for each URL alone."""
    origin = "https://pub.example"

    def file(path: str, body: str | None) -> SignalFile:
        if body is None:
            return SignalFile(url=origin + path, status=404)
        return SignalFile(url=origin + path, status=200, body=body.encode())

    licenses = {}
    if site["rsl"]:
        licenses[origin + "/license.xml"] = file("/license.xml", site["rsl"])
    signals = read_site(
        origin,
        robots=file("/robots.txt", site["robots_txt"]),
        tdmrep=file("/.well-known/tdmrep.json", site["tdmrep_json"]),
        licenses=licenses,
    )
    page = None
    if fetched:
        page = read_page(
            SignalFile(url=origin + "/page", status=200, headers=site["headers"], body=b"")
        )
    held = OriginDecider(signals, agent="GPTBot", use=use, mode=mode)
    prepared = held.prepare_page(page) if page is not None else None
    for path in paths:
        url = origin + path
        fresh = evaluate(signals, page, url=url, agent="GPTBot", use=use, mode=mode)
        assert held.decide(url, prepared) == fresh
