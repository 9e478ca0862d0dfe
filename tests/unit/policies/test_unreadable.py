"""Signal files that answered but cannot be read, and pages that give no answer (issue 16 section 3).

A file that could not be read is never "no statement": the uses it governs are ``unknown`` in
either mode unless something else denies them, and a TDMRep file still decides the paths its
rules read whole before the damage match (TDMRep, section TDM File on the Origin Server: first
match wins). A page that answers 404 or 5xx, or does not answer, is ``failed``.
"""

from __future__ import annotations

import json

import pytest

from heedful.policies.evaluate import evaluate
from heedful.policies.model import Decision, Mode, Use, Verdict
from heedful.policies.signals.read import PageSignals, SignalFile, read_page, read_site
from heedful.policies.signals.tdmrep import MAX_TDMREP_BYTES

ORIGIN = "https://pub.example"
URL = f"{ORIGIN}/articles/1"
ROBOTS = SignalFile(url=f"{ORIGIN}/robots.txt", status=200, body=b"User-agent: *\nAllow: /\n")
JSON = (("Content-Type", "application/json"),)


def _tdmrep(body: bytes, *, truncated: bool = False, error: str = "") -> SignalFile:
    return SignalFile(
        url=f"{ORIGIN}/.well-known/tdmrep.json",
        status=200,
        headers=JSON,
        body=body,
        truncated=truncated,
        error=error,
    )


def _big_tdmrep(first: dict[str, object]) -> bytes:
    """A 1.1 MB tdmrep.json whose first rule is ``first``, cut at the fetch limit."""
    filler = [{"location": f"/archive/{n}/*", "tdm-reservation": 0} for n in range(40_000)]
    body = json.dumps([first, *filler]).encode()
    assert len(body) > 1_000_000
    return body[:MAX_TDMREP_BYTES]


def _decide(
    site_files: dict[str, SignalFile],
    *,
    use: Use,
    mode: Mode = Mode.OPT_OUT,
    page: PageSignals | None = None,
    tdm_covers_search: bool = False,
) -> Decision:
    site = read_site(
        ORIGIN,
        robots=ROBOTS,
        tdmrep=site_files.get("tdmrep"),
        ai_txt=site_files.get("ai_txt"),
        removals=site_files.get("removals"),
    )
    return evaluate(
        site,
        page,
        url=URL,
        agent="HeedfulBot",
        use=use,
        mode=mode,
        tdm_covers_search=tdm_covers_search,
    )


@pytest.mark.parametrize("mode", list(Mode))
def test_cut_file_whose_first_rule_reserves_everything_denies(mode: Mode) -> None:
    body = _big_tdmrep({"location": "/*", "tdm-reservation": 1})
    decision = _decide({"tdmrep": _tdmrep(body, truncated=True)}, use=Use.AI_TRAIN, mode=mode)
    assert decision.verdict is Verdict.DENY
    deciding = [r for r in decision.reasons if r.signal == "tdmrep" and r.effect == "deny"]
    assert deciding
    assert "rules read whole" in deciding[0].note
    assert str(MAX_TDMREP_BYTES) in deciding[0].note


def test_cut_file_whose_readable_rules_allow_the_path_allows() -> None:
    body = _big_tdmrep({"location": "/articles/*", "tdm-reservation": 0})
    decision = _decide({"tdmrep": _tdmrep(body, truncated=True)}, use=Use.AI_TRAIN)
    assert decision.verdict is Verdict.ALLOW


@pytest.mark.parametrize("mode", list(Mode))
def test_cut_file_with_no_readable_rule_for_the_path_is_unknown_in_either_mode(mode: Mode) -> None:
    body = _big_tdmrep({"location": "/press/*", "tdm-reservation": 1})
    decision = _decide({"tdmrep": _tdmrep(body, truncated=True)}, use=Use.AI_TRAIN, mode=mode)
    assert decision.verdict is Verdict.UNKNOWN
    note = next(r for r in decision.reasons if r.effect == "unknown")
    assert "larger than" in note.rule
    assert "unreadable" in note.rule
    # Search is not TDM's unless the crawler reads it so (docs/decisions.md, Uses and their
    # hierarchy), so it is still decided normally.
    search = _decide({"tdmrep": _tdmrep(body, truncated=True)}, use=Use.SEARCH, mode=mode)
    assert search.verdict is (Verdict.ALLOW if mode is Mode.OPT_OUT else Verdict.DENY)
    covered = _decide(
        {"tdmrep": _tdmrep(body, truncated=True)}, use=Use.SEARCH, tdm_covers_search=True
    )
    assert covered.verdict is Verdict.UNKNOWN


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b'[{"location": "/*", "tdm-reservation": 1', "cut off"),
        (b"{not json", "not valid JSON"),
        (b'{"location": "/*", "tdm-reservation": 0}', "not an array"),
    ],
    ids=["ended-early", "invalid-json", "not-array"],
)
def test_malformed_or_cut_off_file_is_unknown_not_absent(body: bytes, fragment: str) -> None:
    error = "connection reset" if fragment == "cut off" else ""
    decision = _decide({"tdmrep": _tdmrep(body, error=error)}, use=Use.GENAI_TRAIN)
    assert decision.verdict is Verdict.UNKNOWN
    note = next(r for r in decision.reasons if r.effect == "unknown")
    assert fragment in note.rule


def test_a_deny_elsewhere_still_denies_beside_an_unreadable_file() -> None:
    robots = SignalFile(
        url=f"{ORIGIN}/robots.txt",
        status=200,
        body=b"User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n",
    )
    site = read_site(ORIGIN, robots=robots, tdmrep=_tdmrep(b"{broken"))
    decision = evaluate(site, None, url=URL, agent="HeedfulBot", use=Use.AI_TRAIN)
    assert decision.verdict is Verdict.DENY


def test_the_response_s_own_tdmrep_header_supersedes_an_unreadable_file() -> None:
    page = read_page(
        SignalFile(
            url=URL,
            status=200,
            headers=(("Content-Type", "text/html"), ("tdm-reservation", "0")),
            body=b"<html><head></head></html>",
        )
    )
    decision = _decide({"tdmrep": _tdmrep(b"{broken")}, use=Use.AI_TRAIN, page=page)
    assert decision.verdict is Verdict.ALLOW


def test_unreachable_file_is_unknown_too() -> None:
    failed = SignalFile(url=f"{ORIGIN}/.well-known/tdmrep.json", status=503)
    decision = _decide({"tdmrep": failed}, use=Use.AI_TRAIN)
    assert decision.verdict is Verdict.UNKNOWN


@pytest.mark.parametrize(
    "absent",
    [
        SignalFile(url=f"{ORIGIN}/.well-known/tdmrep.json", status=404),
        SignalFile(
            url=f"{ORIGIN}/.well-known/tdmrep.json",
            status=200,
            headers=(("Content-Type", "text/html"),),
            body=b"<!doctype html><title>Not found</title>",
        ),
    ],
    ids=["404", "soft-404"],
)
def test_an_absent_file_is_no_statement(absent: SignalFile) -> None:
    decision = _decide({"tdmrep": absent}, use=Use.AI_TRAIN)
    assert decision.verdict is Verdict.ALLOW
    assert all(r.effect != "unknown" for r in decision.reasons)


def test_cut_ai_txt_leaves_training_unknown_and_other_uses_decided() -> None:
    ai_txt = SignalFile(
        url=f"{ORIGIN}/ai.txt",
        status=200,
        headers=(("Content-Type", "text/plain"),),
        body=b"User-Agent: *\nDisallow: /\n",
        truncated=True,
    )
    assert _decide({"ai_txt": ai_txt}, use=Use.GENAI_TRAIN).verdict is Verdict.UNKNOWN
    assert _decide({"ai_txt": ai_txt}, use=Use.AI_INPUT).verdict is Verdict.ALLOW


@pytest.mark.parametrize("use", list(Use))
def test_malformed_removals_list_leaves_every_use_unknown(use: Use) -> None:
    removals = SignalFile(
        url=f"{ORIGIN}/.well-known/heedful/removals.json",
        status=200,
        headers=JSON,
        body=b'{"removals": "all of it"}',
    )
    assert _decide({"removals": removals}, use=use).verdict is Verdict.UNKNOWN


def test_malformed_rsl_document_leaves_every_use_unknown() -> None:
    from heedful.policies.signals.read import with_licenses

    robots = SignalFile(
        url=f"{ORIGIN}/robots.txt",
        status=200,
        body=b"User-agent: *\nAllow: /\nLicense: https://pub.example/license.xml\n",
    )
    site = read_site(ORIGIN, robots=robots)
    broken = SignalFile(
        url=f"{ORIGIN}/license.xml",
        status=200,
        headers=(("Content-Type", "application/rsl+xml"),),
        body=b"<rsl><content url='/'>",
    )
    site = with_licenses(site, {f"{ORIGIN}/license.xml": broken})
    for use in Use:
        decision = evaluate(site, None, url=URL, agent="HeedfulBot", use=use)
        assert decision.verdict is Verdict.UNKNOWN, use
        assert any("not well-formed" in r.rule for r in decision.reasons)


@pytest.mark.parametrize(
    ("status", "error", "fragment"),
    [
        (404, "", "answered 404 (client error)"),
        (410, "", "answered 410"),
        (429, "", "answered 429 (too many requests)"),
        (503, "", "answered 503 (server error)"),
        (None, "TimeoutError: timed out after 1s", "could not be fetched (TimeoutError"),
    ],
)
def test_a_page_that_gives_no_answer_is_failed(
    status: int | None, error: str, fragment: str
) -> None:
    page = read_page(SignalFile(url=URL, status=status, error=error))
    decision = _decide({}, use=Use.AI_TRAIN, page=page)
    assert decision.verdict is Verdict.FAILED
    assert decision.access is Verdict.FAILED
    assert fragment in decision.reasons[0].rule
    assert decision.as_dict().get("status") == status


@pytest.mark.parametrize(("status", "verdict"), [(401, Verdict.DENY), (402, Verdict.LICENSE)])
def test_access_controls_are_answers_not_failures(status: int, verdict: Verdict) -> None:
    page = read_page(SignalFile(url=URL, status=status))
    assert _decide({}, use=Use.AI_TRAIN, page=page).verdict is verdict


def test_a_host_that_does_not_answer_is_failed_and_one_that_says_503_is_refused() -> None:
    gone = read_site(
        ORIGIN, robots=SignalFile(url=f"{ORIGIN}/robots.txt", status=None, error="refused")
    )
    decision = evaluate(gone, None, url=URL, agent="HeedfulBot", use=Use.SEARCH)
    assert decision.verdict is Verdict.FAILED
    assert "could not be fetched (refused)" in decision.reasons[0].rule
    # A 503 is the server's answer: RFC 9309 section 2.3.1.4's complete disallow.
    busy = read_site(ORIGIN, robots=SignalFile(url=f"{ORIGIN}/robots.txt", status=503))
    assert evaluate(busy, None, url=URL, agent="x", use=Use.SEARCH).verdict is Verdict.DENY
