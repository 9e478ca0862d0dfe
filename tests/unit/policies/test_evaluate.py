"""The evaluator's resolution rules (docs/decisions.md), one named scenario per row.

Each case gives the files and response a site serves, and the verdict plus the reason that must
explain it. Sources: standards.md sections, or "issue 2" for rules the issue states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from heedful.policies import decide
from heedful.policies.model import Mode, Permission, Signal, Use, Verdict

URL = "https://pub.example/articles/1"
RSL_PAID = """<rsl xmlns="https://rslstandard.org/rsl"><content url="/" server="https://lic.example/">
<license><permits type="usage">ai-train ai-input</permits>
<payment type="crawl"><amount currency="USD">0.01</amount></payment></license>
<license><permits type="usage">search</permits></license></content></rsl>"""
RSL_FREE = """<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>
<permits type="usage">all</permits></license></content></rsl>"""


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    use: Use
    verdict: Verdict
    reason: tuple[str, str]
    """(signal, rule fragment) of a reason the decision must carry."""
    mode: Mode = Mode.OPT_OUT
    files: dict[str, object] = field(default_factory=dict)
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""


CASES = [
    Case(
        "silence-opt-out-allows",
        "12.3 step 6",
        Use.AI_TRAIN,
        Verdict.ALLOW,
        ("default", "no statement"),
    ),
    Case(
        "silence-consent-denies",
        "issue 2, modes",
        Use.AI_TRAIN,
        Verdict.DENY,
        ("default", "no statement"),
        mode=Mode.CONSENT,
    ),
    Case(
        "robots-disallow-denies-access",
        "1.5",
        Use.SEARCH,
        Verdict.DENY,
        ("robots.txt", "Disallow: /"),
        files={"robots_txt": "User-agent: HeedfulBot\nDisallow: /\n"},
    ),
    Case(
        "robots-503-fails-closed",
        "1.8",
        Use.SEARCH,
        Verdict.DENY,
        ("robots.txt", "503"),
        files={"robots_txt": "", "robots_status": 503},
    ),
    Case(
        "robots-429-fails-closed",
        "1.8",
        Use.SEARCH,
        Verdict.DENY,
        ("robots.txt", "429"),
        files={"robots_txt": "", "robots_status": 429},
    ),
    Case(
        # No answer at all: access stays closed (RFC 9309 section 2.3.1.4) and the verdict is
        # "failed", the host's failure rather than the site's refusal (issue 16 section 3).
        "robots-network-failure-fails-closed",
        "1.8",
        Use.SEARCH,
        Verdict.FAILED,
        ("robots.txt", ""),
        files={"robots_txt": "", "robots_status": None},
    ),
    Case(
        "robots-404-no-restrictions",
        "1.8",
        Use.SEARCH,
        Verdict.ALLOW,
        ("robots.txt", "404"),
        files={"robots_txt": None},
    ),
    Case(
        "content-usage-train-n-denies-genai",
        "4.4, 12.4 note 3",
        Use.GENAI_TRAIN,
        Verdict.DENY,
        ("content-usage", "train-ai=n"),
        files={"robots_txt": "User-agent: *\nContent-Usage: train-ai=n\n"},
    ),
    Case(
        "content-usage-train-y-is-narrow",
        "12.4 note 3",
        Use.AI_TRAIN,
        Verdict.DENY,
        ("default", ""),
        mode=Mode.CONSENT,
        files={"robots_txt": "User-agent: *\nContent-Usage: train-ai=y\n"},
    ),
    Case(
        "content-usage-train-y-explicit-for-genai",
        "12.4 note 3",
        Use.GENAI_TRAIN,
        Verdict.ALLOW,
        ("content-usage", "train-ai=y"),
        mode=Mode.CONSENT,
        files={"robots_txt": "User-agent: *\nContent-Usage: train-ai=y\n"},
    ),
    Case(
        "tdm-zero-is-explicit-for-narrower-uses",
        "issue 2, modes",
        Use.AI_INPUT,
        Verdict.ALLOW,
        ("tdmrep", "tdm-reservation"),
        mode=Mode.CONSENT,
        files={"tdmrep_json": '[{"location": "/", "tdm-reservation": 0}]'},
    ),
    Case(
        "tdm-reservation-denies-ai-train",
        "2.2, 12.3 step 3",
        Use.AI_TRAIN,
        Verdict.DENY,
        ("tdmrep", "tdm-reservation"),
        files={"tdmrep_json": '[{"location": "/", "tdm-reservation": 1}]'},
    ),
    Case(
        "tdm-reservation-does-not-cover-search",
        "12.4 note 2",
        Use.SEARCH,
        Verdict.ALLOW,
        ("default", ""),
        files={"tdmrep_json": '[{"location": "/", "tdm-reservation": 1}]'},
    ),
    Case(
        "tdm-policy-means-license",
        "2.8, issue 2",
        Use.AI_TRAIN,
        Verdict.LICENSE,
        ("tdmrep", "tdm-policy"),
        files={
            "tdmrep_json": '[{"location": "/", "tdm-reservation": 1, "tdm-policy": "https://pub.example/p"}]'
        },
    ),
    Case(
        "header-zero-supersedes-file",
        "2.7",
        Use.AI_TRAIN,
        Verdict.ALLOW,
        ("tdmrep", "0"),
        mode=Mode.CONSENT,
        files={"tdmrep_json": '[{"location": "/", "tdm-reservation": 1}]'},
        status=200,
        headers=(("tdm-reservation", "0"),),
    ),
    Case(
        "any-deny-wins-across-mechanisms",
        "12.3 step 4",
        Use.AI_TRAIN,
        Verdict.DENY,
        ("content-signal", "ai-train=no"),
        files={
            "robots_txt": "User-agent: *\nContent-Signal: ai-train=no\n",
            "tdmrep_json": '[{"location": "/", "tdm-reservation": 0}]',
        },
    ),
    Case(
        "rsl-paid-is-license-in-opt-out",
        "issue 2, licences",
        Use.AI_TRAIN,
        Verdict.LICENSE,
        ("rsl", "crawl"),
        files={
            "robots_txt": "User-agent: *\nAllow: /\nLicense: /license.xml\n",
            "licenses": {"https://pub.example/license.xml": RSL_PAID},
        },
    ),
    Case(
        "rsl-paid-is-license-in-consent",
        "issue 2, licences",
        Use.AI_TRAIN,
        Verdict.LICENSE,
        ("rsl", "crawl"),
        mode=Mode.CONSENT,
        files={
            "robots_txt": "User-agent: *\nLicense: /license.xml\n",
            "licenses": {"https://pub.example/license.xml": RSL_PAID},
        },
    ),
    Case(
        "rsl-free-permit-is-explicit",
        "issue 2, modes",
        Use.GENAI_TRAIN,
        Verdict.ALLOW,
        ("rsl", "all"),
        mode=Mode.CONSENT,
        files={
            "robots_txt": "User-agent: *\nLicense: /license.xml\n",
            "licenses": {"https://pub.example/license.xml": RSL_FREE},
        },
    ),
    Case(
        "outright-deny-beats-paid-offer",
        "issue 2, licences",
        Use.AI_TRAIN,
        Verdict.DENY,
        ("content-usage", "train-ai=n"),
        files={
            "robots_txt": "User-agent: *\nContent-Usage: train-ai=n\nLicense: /license.xml\n",
            "licenses": {"https://pub.example/license.xml": RSL_PAID},
        },
    ),
    Case(
        "http-402-needs-license",
        "9.1, 12.3 step 1",
        Use.SEARCH,
        Verdict.LICENSE,
        ("http-status", "402"),
        status=402,
        headers=(("crawler-price", "USD 0.02"),),
    ),
    Case(
        "http-403-is-never-bypassed",
        "12.3 step 1",
        Use.SEARCH,
        Verdict.DENY,
        ("http-status", "403"),
        status=403,
    ),
    Case(
        "noai-header-denies-training",
        "7.2",
        Use.AI_TRAIN,
        Verdict.DENY,
        ("robots-tag", "noai"),
        status=200,
        headers=(("X-Robots-Tag", "noai"),),
    ),
    Case(
        "noai-for-another-agent-is-ignored",
        "7.1",
        Use.AI_TRAIN,
        Verdict.ALLOW,
        ("default", ""),
        status=200,
        headers=(("X-Robots-Tag", "otherbot: noai"),),
    ),
    Case(
        "meta-noai-denies-training",
        "7.2",
        Use.GENAI_TRAIN,
        Verdict.DENY,
        ("robots-tag", "noai"),
        status=200,
        headers=(("Content-Type", "text/html"),),
        body='<html><head><meta name="robots" content="noai"></head><body></body></html>',
    ),
    Case(
        "ai-txt-glob-denies-image-training",
        "3.1",
        Use.AI_TRAIN,
        Verdict.DENY,
        ("ai.txt", "*.jpg"),
        files={"ai_txt": "User-Agent: *\nDisallow: *.jpg\nAllow: /\n"},
    ),
    Case(
        "content-usage-header-and-robots-combine",
        "4.8-b",
        Use.AI_TRAIN,
        Verdict.DENY,
        ("content-usage", "train-ai=n"),
        files={"robots_txt": "User-agent: *\nContent-Usage: train-ai=y\n"},
        status=200,
        headers=(("Content-Usage", "train-ai=n"),),
    ),
    Case(
        "named-group-replaces-wildcard-signal",
        "5-b",
        Use.AI_INPUT,
        Verdict.DENY,
        ("default", ""),
        mode=Mode.CONSENT,
        files={
            "robots_txt": "User-agent: *\nContent-Signal: search=yes, ai-input=yes, ai-train=no\nAllow: /\n\n"
            "User-agent: HeedfulBot\nContent-Signal: ai-train=yes\nAllow: /\n"
        },
    ),
]


def _decide(case: Case, url: str = URL):
    return decide(
        url,
        use=case.use,
        mode=case.mode,
        status=case.status,
        headers=case.headers,
        body=case.body,
        **case.files,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_verdict_and_reason(case: Case) -> None:
    url = URL + ".jpg" if case.id.startswith("ai-txt") else URL
    decision = _decide(case, url)
    assert decision.verdict is case.verdict, decision.as_dict()
    signal, fragment = case.reason
    assert any(r.signal == signal and fragment in r.rule for r in decision.reasons), (
        decision.as_dict()
    )


def test_access_reason_comes_first_and_cites_the_line() -> None:
    decision = decide(URL, robots_txt="# header\nUser-agent: HeedfulBot\nDisallow: /articles/\n")
    first = decision.reasons[0]
    assert (first.location, first.rule, first.effect) == (
        "line 3",
        "Disallow: /articles/",
        "access deny",
    )


def test_license_verdict_carries_the_offer() -> None:
    decision = _decide(next(c for c in CASES if c.id == "rsl-paid-is-license-in-opt-out"))
    (offer,) = decision.offers
    assert offer.server == "https://lic.example/"
    assert "0.01" in offer.amount


RSL_FREE_CREDIT = """<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/articles/">
    <license>
      <permits type="usage">ai-all</permits>
      <payment type="attribution"/>
      <legal type="attribution">Credit: Pub Example, pub.example</legal>
    </license>
    <license>
      <permits type="usage">search</permits>
      <terms>https://pub.example/terms</terms>
    </license>
    <license>
      <permits type="usage">ai-train</permits>
      <payment type="purchase"><amount currency="EUR">5</amount></payment>
    </license>
    <copyright type="organization" contactEmail="rights@pub.example">Pub Example Ltd</copyright>
  </content>
</rsl>"""


def _free(use: Use, mode: Mode = Mode.OPT_OUT):
    return decide(
        URL,
        use=use,
        mode=mode,
        robots_txt="User-agent: *\nAllow: /\nLicense: /license.xml\n",
        licenses={"https://pub.example/license.xml": RSL_FREE_CREDIT},
    )


@pytest.mark.parametrize("mode", list(Mode))
def test_free_rsl_permit_records_the_terms_it_was_taken_under(mode: Mode) -> None:
    # A free licence asking for credit allows the use and its terms travel with the decision:
    # the holder, the credit text, the licence document; the paid licence is not what the
    # use is taken under, so it is not among the terms.
    decision = _free(Use.AI_TRAIN, mode)
    assert decision.verdict is Verdict.ALLOW
    assert decision.offers == ()
    (terms,) = decision.terms
    assert terms.as_dict() == {
        "url": "https://pub.example/license.xml",
        "payment": "attribution",
        "copyright": "Pub Example Ltd",
        "attribution": "Credit: Pub Example, pub.example",
    }
    # genai-train is reached through the hierarchy (ai-train contains it).
    assert _free(Use.GENAI_TRAIN, mode).terms == decision.terms


def test_terms_are_those_of_the_licence_that_covers_the_use() -> None:
    (terms,) = _free(Use.SEARCH).terms
    assert (terms.payment, terms.terms, terms.attribution) == (
        "free",
        "https://pub.example/terms",
        "",
    )
    assert terms.copyright == "Pub Example Ltd"  # the <content>'s <copyright> covers each licence


def test_refused_or_silent_uses_carry_no_terms() -> None:
    # TDM: RSL says nothing for ``tdm`` itself, the default decides; no terms to honour.
    assert _free(Use.TDM).terms == ()
    paid = decide(
        URL,
        use=Use.AI_TRAIN,
        robots_txt="User-agent: *\nAllow: /\nLicense: /license.xml\n",
        licenses={"https://pub.example/license.xml": RSL_PAID},
    )
    assert paid.verdict is Verdict.LICENSE
    assert paid.terms == ()


def test_deny_reasons_come_before_allow_reasons() -> None:
    decision = _decide(next(c for c in CASES if c.id == "any-deny-wins-across-mechanisms"))
    effects = [r.effect for r in decision.reasons[1:]]
    assert effects.index("deny") < effects.index("allow")


def test_tdm_covers_search_option() -> None:
    site = {"tdmrep_json": '[{"location": "/", "tdm-reservation": 1}]'}
    assert decide(URL, use=Use.SEARCH, **site).uses[Use.SEARCH] is Permission.UNKNOWN
    from heedful.policies.evaluate import evaluate
    from heedful.policies.signals.read import SignalFile, read_site

    parsed = read_site(
        "https://pub.example",
        robots=SignalFile(url="https://pub.example/robots.txt", status=404),
        tdmrep=SignalFile(
            url="https://pub.example/.well-known/tdmrep.json",
            status=200,
            body=site["tdmrep_json"].encode(),
        ),
    )
    covered = evaluate(
        parsed, None, url=URL, agent="HeedfulBot", use=Use.SEARCH, tdm_covers_search=True
    )
    assert covered.verdict is Verdict.DENY


def test_unreadable_signal_file_is_listed_not_trusted() -> None:
    from heedful.policies.evaluate import evaluate
    from heedful.policies.signals.read import SignalFile, read_site

    site = read_site(
        "https://pub.example",
        robots=SignalFile(url="https://pub.example/robots.txt", status=404),
        tdmrep=SignalFile(url="https://pub.example/.well-known/tdmrep.json", status=503),
    )
    for mode in Mode:
        decision = evaluate(site, None, url=URL, agent="HeedfulBot", use=Use.AI_TRAIN, mode=mode)
        assert decision.verdict is Verdict.UNKNOWN, mode
        assert any(r.signal == "tdmrep" and r.effect == "unknown" for r in decision.reasons)
    search = evaluate(site, None, url=URL, agent="HeedfulBot", use=Use.SEARCH)
    assert search.verdict is Verdict.ALLOW


def test_strict_mode_reads_a_training_crawler_block_as_a_reservation() -> None:
    from heedful.policies.evaluate import evaluate
    from heedful.policies.signals.read import SignalFile, read_site

    robots = b"User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    site = read_site(
        "https://pub.example",
        robots=SignalFile(url="https://pub.example/robots.txt", status=200, body=robots),
    )
    lenient = evaluate(site, None, url=URL, agent="HeedfulBot", use=Use.AI_TRAIN)
    strict = evaluate(site, None, url=URL, agent="HeedfulBot", use=Use.AI_TRAIN, strict=True)
    assert lenient.verdict is Verdict.ALLOW
    assert strict.verdict is Verdict.DENY
    assert any(r.signal == "strict" and "GPTBot" in r.note for r in strict.reasons)
    assert (
        evaluate(site, None, url=URL, agent="HeedfulBot", use=Use.SEARCH, strict=True).verdict
        is Verdict.ALLOW
    )


def test_published_removal_denies_every_use() -> None:
    from heedful.policies.evaluate import evaluate
    from heedful.policies.signals.read import SignalFile, read_site

    removals = (
        b'{"version": 1, "removals": [{"url": "https://pub.example/articles/", "prefix": true}]}'
    )
    site = read_site(
        "https://pub.example",
        robots=SignalFile(url="https://pub.example/robots.txt", status=404),
        removals=SignalFile(
            url="https://pub.example/.well-known/heedful/removals.json", status=200, body=removals
        ),
    )
    for use in Use:
        decision = evaluate(site, None, url=URL, agent="HeedfulBot", use=use)
        assert decision.verdict is Verdict.DENY
        assert decision.reasons[1].location == "$.removals[0]"
    assert (
        evaluate(
            site, None, url="https://pub.example/about", agent="HeedfulBot", use=Use.SEARCH
        ).verdict
        is Verdict.ALLOW
    )


@pytest.mark.parametrize("tdm_covers_search", [False, True])
@pytest.mark.parametrize("search_named", [False, True])
def test_published_removal_withdraws_exactly_the_named_uses(
    tdm_covers_search: bool, search_named: bool
) -> None:
    """A removal says itself whether search goes: ``tdm_covers_search`` adds nothing to it."""
    from heedful.policies.evaluate import evaluate
    from heedful.policies.signals.read import SignalFile, read_site

    uses = ["tdm", "ai-train", "genai-train", "ai-input"] + (["search"] if search_named else [])
    entry = {"url": "https://pub.example/articles/", "prefix": True, "uses": uses}
    site = read_site(
        "https://pub.example",
        robots=SignalFile(url="https://pub.example/robots.txt", status=404),
        removals=SignalFile(
            url="https://pub.example/.well-known/heedful/removals.json",
            status=200,
            body=json.dumps({"version": 1, "removals": [entry]}).encode(),
        ),
    )
    for use in Use:
        decision = evaluate(
            site, None, url=URL, agent="HeedfulBot", use=use, tdm_covers_search=tdm_covers_search
        )
        withdrawn = use is not Use.SEARCH or search_named
        assert decision.verdict is (Verdict.DENY if withdrawn else Verdict.ALLOW), use
        removal = [r for r in decision.reasons if r.signal is Signal.REMOVALS]
        assert [r.effect for r in removal] == (["deny"] if withdrawn else [])
