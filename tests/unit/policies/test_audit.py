"""heedful.policies.audit.analysis: contradictions, gaps, legacy directives and the score, from in-memory files.

Each case builds an origin from file bodies (no network) and names the rule that must fire and
the locations it must quote; sources are issue 5 section 1 and the standards.md sections cited.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from heedful.policies.audit.analysis import audit, matrix_agents, policy_urls
from heedful.policies.audit.findings import RULES, AuditInput, Finding, evidence_of, line_of
from heedful.policies.audit.probe import concrete_path
from heedful.policies.diagnostics import Severity
from heedful.policies.model import Signal, Statement, Use
from heedful.policies.signals.legacy import is_ai_word, words_of
from heedful.policies.signals.read import SignalFile, read_page, read_site

ORIGIN = "https://example.org"
PAGE = ORIGIN + "/articles/1"
HTML = (("Content-Type", "text/html"),)


def site_input(
    files: Mapping[str, str | bytes],
    *,
    headers: tuple[tuple[str, str], ...] = (),
    head: str = "",
    statuses: Mapping[str, int] | None = None,
) -> AuditInput:
    """An origin whose ``files`` (path -> body) answer 200 and everything else 404."""
    statuses = statuses or {}

    def get(path: str) -> SignalFile:
        url = ORIGIN + path
        if path in files:
            body = files[path]
            raw = body.encode() if isinstance(body, str) else body
            return SignalFile(url=url, status=statuses.get(path, 200), body=raw)
        return SignalFile(url=url, status=statuses.get(path, 404), body=b"")

    robots, tdm, ai = get("/robots.txt"), get("/.well-known/tdmrep.json"), get("/ai.txt")
    first = read_site(ORIGIN, robots=robots, tdmrep=tdm, ai_txt=ai)
    named = first.robots.license_urls if first.robots is not None else ()
    licences = {u: get(u.removeprefix(ORIGIN)) for u in named}
    site = read_site(ORIGIN, robots=robots, tdmrep=tdm, ai_txt=ai, licenses=licences)
    body = f"<html><head>{head}</head><body>x</body></html>".encode()
    page = read_page(SignalFile(url=PAGE, status=200, headers=(*HTML, *headers), body=body))
    all_files = {f.url: f for f in (robots, tdm, ai, *licences.values())}
    data = AuditInput(site=site, url=PAGE, pages=((PAGE, page),), files=all_files)
    extra = {u: get(u.removeprefix(ORIGIN)) for u in policy_urls(data)}
    return AuditInput(site=site, url=PAGE, pages=((PAGE, page),), files={**all_files, **extra})


def rules_of(findings: tuple[Finding, ...]) -> set[str]:
    return {f.rule for f in findings}


def find(findings: tuple[Finding, ...], rule: str) -> Finding:
    matches = [f for f in findings if f.rule == rule]
    assert matches, f"{rule} not in {[f.rule for f in findings]}"
    return matches[0]


OPEN = "User-agent: *\nAllow: /\n"
TDM_ALLOW = json.dumps([{"location": "/", "tdm-reservation": 0}])
TDM_RESERVE = json.dumps([{"location": "/", "tdm-reservation": 1}])

CASES = [
    # id, files, page headers, rule, locations quoted (in order), source
    (
        "tdm-0-vs-train-ai-n",
        {"/robots.txt": OPEN + "Content-Usage: train-ai=n\n", "/.well-known/tdmrep.json": TDM_ALLOW},
        (),
        "HF101",
        ["$[0]", "line 3"],
        "issue 5 s1; standards.md 12.5",
    ),
    (
        "tdm-0-vs-header-train-ai-n",
        {"/robots.txt": OPEN, "/.well-known/tdmrep.json": TDM_ALLOW},
        (("Content-Usage", "train-ai=n"),),
        "HF106",
        ["$[0]", "header Content-Usage"],
        "issue 5 s1 per-page headers",
    ),
    (
        "signal-yes-vs-blocked-trainers",
        {"/robots.txt": "User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
         "Content-Signal: ai-train=yes\n"},
        (),
        "HF102",
        ["line 6", "line 2"],
        "issue 5 s1; standards.md 10.2",
    ),
    (
        "wildcard-signal-dropped",
        {"/robots.txt": "User-agent: *\nContent-Signal: ai-train=no\nAllow: /\n\n"
         "User-agent: Bingbot\nAllow: /\n"},
        (),
        "HF103",
        ["line 2", "line 5"],
        "issue 5 s1; standards.md 5.3",
    ),
    (
        "aitxt-allow-vs-tdmrep",
        {"/robots.txt": OPEN, "/ai.txt": "User-Agent: *\nAllow: *.png\n",
         "/.well-known/tdmrep.json": TDM_RESERVE},
        (),
        "HF104",
        ["line 2", "$[0]"],
        "issue 5 s1",
    ),
    (
        "rsl-permit-vs-content-signal",
        {"/robots.txt": "License: /license.xml\n" + OPEN + "Content-Signal: ai-train=no\n",
         "/license.xml": '<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
         '<permits type="usage">ai-train</permits></license></content></rsl>'},
        (),
        "HF105",
        ['line 1 <content url="/">', "line 4"],
        "issue 5 s1",
    ),
    (
        "header-signal-vs-robots",
        {"/robots.txt": OPEN + "Content-Signal: ai-input=no\n"},
        (("Content-Signal", "ai-input=yes"),),
        "HF106",
        ["header Content-Signal", "line 3"],
        "issue 5 s1",
    ),
    (
        "vendor-directive",
        {"/robots.txt": OPEN + "NoAI-Training: true\n"},
        (),
        "HF108",
        ["line 3", "line 2"],
        "issue 5 s1 vendor-invented",
    ),
    (
        "legacy-label",
        {"/robots.txt": OPEN + "Content-Usage: genai=n\n"},
        (),
        "HF109",
        ["line 3"],
        "standards.md 4.6",
    ),
    (
        "noml-header",
        {"/robots.txt": OPEN},
        (("X-Robots-Tag", "noml"),),
        "HF110",
        ["header X-Robots-Tag"],
        "standards.md 7.2",
    ),
    (
        "license-not-xml",
        {"/robots.txt": "License: /license.xml\n" + OPEN, "/license.xml": "not xml"},
        (),
        "HF111",
        ["line 1", "line 1"],
        "standards.md 6.2",
    ),
    (
        "tdm-policy-missing",
        {"/robots.txt": OPEN, "/.well-known/tdmrep.json": json.dumps(
            [{"location": "/", "tdm-reservation": 1, "tdm-policy": "/policy.json"}])},
        (),
        "HF112",
        ["$[0]", "status 404"],
        "standards.md 2.8",
    ),
    (
        "tdm-policy-not-json",
        {"/robots.txt": OPEN, "/policy.json": "<html>", "/.well-known/tdmrep.json": json.dumps(
            [{"location": "/", "tdm-reservation": 1, "tdm-policy": "/policy.json"}])},
        (),
        "HF113",
        ["$[0]", "body"],
        "standards.md 2.8",
    ),
    (
        "oversight-bytespider",
        {"/robots.txt": "".join(f"User-agent: {t}\nDisallow: /\n" for t in (
            "GPTBot", "ClaudeBot", "CCBot", "Google-Extended", "Applebot-Extended",
            "meta-externalagent")) + "\nUser-agent: *\nAllow: /\n"},
        (),
        "HF203",
        ["line 2", "line 15"],
        "issue 5 s1 gaps",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("files", "headers", "rule", "locations", "source"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_rule_fires_with_every_statement_located(
    files: dict[str, str], headers: tuple[tuple[str, str], ...], rule: str, locations: list[str],
    source: str,
) -> None:  # fmt: skip
    report = audit(site_input(files, headers=headers))
    finding = find(report.findings, rule)
    assert [e.location for e in finding.evidence][: len(locations)] == locations, source
    assert all(e.rule and e.source.startswith(ORIGIN) for e in finding.evidence)
    assert finding.severity in Severity
    assert finding.as_dict()["name"] == RULES[rule].name


def test_clean_site_has_no_findings_and_full_marks_where_stated() -> None:
    report = audit(
        site_input(
            {
                "/robots.txt": OPEN + "Content-Usage: train-ai=n, search=y\n"
                "Content-Signal: search=yes, ai-input=no, ai-train=no\n",
                "/.well-known/tdmrep.json": TDM_RESERVE,
            },
            headers=(("Content-Usage", "train-ai=n, search=y"),),
        )
    )
    assert report.findings == ()
    scores = {s.use: s.total for s in report.scores}
    assert scores[Use.AI_TRAIN] == 100
    assert all(total >= 80 for total in scores.values())


def test_silent_site_reports_every_use_unstated_and_scores_zero() -> None:
    report = audit(site_input({"/robots.txt": OPEN}))
    unstated = [f for f in report.findings if f.rule == "HF201"]
    assert {u for f in unstated for u in f.uses} == set(Use)
    assert all(s.total == 0 for s in report.scores)


def test_contradiction_lowers_consistency_and_lists_rule() -> None:
    report = audit(
        site_input(
            {
                "/robots.txt": OPEN + "Content-Usage: train-ai=n\n",
                "/.well-known/tdmrep.json": TDM_ALLOW,
            }
        )
    )
    train = next(s for s in report.scores if s.use is Use.AI_TRAIN)
    consistent = next(c for c in train.criteria if c.name == "consistent")
    assert (consistent.points, "HF101" in consistent.reason) == (0, True)


def test_tdm_reservation_against_ai_input_yes_is_only_a_warning() -> None:
    # standards.md 12.4 note 1: a TDM reservation reaches AI input by a contested reading.
    report = audit(
        site_input(
            {
                "/robots.txt": OPEN + "Content-Signal: ai-input=yes\n",
                "/.well-known/tdmrep.json": TDM_RESERVE,
            }
        )
    )
    finding = find(report.findings, "HF100")
    assert (finding.severity, finding.uses) == (Severity.WARNING, (Use.AI_INPUT,))


def test_tdmrep_header_overriding_the_file_is_a_warning() -> None:
    # TDMRep layering (section Processing priority): a header may override the file on purpose.
    report = audit(
        site_input(
            {"/robots.txt": OPEN, "/.well-known/tdmrep.json": TDM_RESERVE},
            headers=(("tdm-reservation", "0"),),
        )
    )
    finding = find(report.findings, "HF106")
    assert finding.severity is Severity.WARNING


def test_named_agent_in_one_format_only() -> None:
    report = audit(
        site_input(
            {
                "/robots.txt": "User-agent: GPTBot\nDisallow: /\n\nUser-agent: CCBot\n"
                "Disallow: /\n",
                "/ai.txt": "User-Agent: GPTBot\nDisallow: /\n",
            }
        )
    )
    finding = find(report.findings, "HF202")
    assert finding.agents == ("CCBot",)


def test_unreachable_robots_is_an_error_finding() -> None:
    report = audit(site_input({"/robots.txt": ""}, statuses={"/robots.txt": 503}))
    assert find(report.findings, "HF301").severity is Severity.ERROR


def test_matrix_marks_defaults_unknown_and_keeps_decisions() -> None:
    report = audit(site_input({"/robots.txt": OPEN + "Content-Usage: train-ai=n\n"}))
    cells = report.matrix.as_dict()
    assert cells["GPTBot"]["ai-train"] == "deny"
    assert cells["GPTBot"]["search"] == "unknown"
    cell = report.matrix.cell("gptbot", Use.AI_TRAIN)
    assert cell is not None
    assert any("train-ai=n" in r.rule for r in cell.decision.reasons)
    assert list(cells) == ["*", *matrix_agents()]


@pytest.mark.parametrize(
    ("pattern", "path"),
    [("/private/", "/private/"), ("*.jpg", "/x.jpg"), ("/*.pdf$", "/x.pdf"), ("", None)],
    ids=["prefix", "glob", "anchored", "empty"],
)
def test_concrete_path(pattern: str, path: str | None) -> None:
    assert concrete_path(pattern) == path


@pytest.mark.parametrize(
    ("name", "ai"),
    [("Allow-AI", True), ("DisallowAITraining", True), ("NoML", True), ("Crawl-delay", False),
     ("Domain", False), ("Host", False)],
    ids=["allow-ai", "camel", "noml", "crawl-delay", "domain", "host"],
)  # fmt: skip
def test_ai_word_detection(name: str, ai: bool) -> None:
    assert is_ai_word(name) is ai, words_of(name)


def test_evidence_resolves_lines() -> None:
    data = site_input(
        {"/.well-known/tdmrep.json": '[\n  {"location": "/a", "tdm-reservation": 1},\n'
         '  {"location": "/", "tdm-reservation": 0}\n]'}
    )  # fmt: skip
    stmt = Statement(signal=Signal.TDMREP, source="x", location="$[1]", rule="r")
    assert evidence_of(stmt, data).line == 3
    assert line_of('line 7 <content url="/">') == 7


def _points(report: object, use: Use) -> dict[str, int]:
    scores = {s.use: s for s in report.scores}  # type: ignore[attr-defined]
    return {c.name: c.points for c in scores[use].criteria}


def test_score_by_hand_one_named_block() -> None:
    """``User-agent: GPTBot / Disallow: /`` and nothing else, for ai-train: the block is
    evidence of intent in robots.txt only (15), read without errors (20), names AI training
    only through the crawler's purpose, so the statement names the use (20), but a crawler
    without a group of its own gets no answer (0: matrix row * is unknown), and nothing
    contradicts it (20). 75 in all."""
    report = audit(site_input({"/robots.txt": "User-agent: GPTBot\nDisallow: /\n"}))
    assert report.matrix.as_dict()["*"]["ai-train"] == "unknown"
    assert _points(report, Use.AI_TRAIN) == {
        "discoverable": 15, "parseable": 20, "interpretable": 20, "actionable": 0,
        "consistent": 20,
    }  # fmt: skip


def test_score_by_hand_two_formats_agreeing() -> None:
    """robots.txt ``Content-Usage: train-ai=n`` and a TDM reservation, for ai-train: two
    site-wide formats (20), no errors (20), Content-Usage names the use (20), row * denies
    (20), no contradiction (20): 100. For ai-input only the reservation speaks, through the
    hierarchy (10), in one format (15): 15 + 20 + 10 + 20 + 20 = 85."""
    report = audit(
        site_input(
            {
                "/robots.txt": OPEN + "Content-Usage: train-ai=n\n",
                "/.well-known/tdmrep.json": TDM_RESERVE,
            }
        )
    )
    assert report.matrix.as_dict()["*"]["ai-train"] == "deny"
    assert sum(_points(report, Use.AI_TRAIN).values()) == 100
    assert _points(report, Use.AI_INPUT) == {
        "discoverable": 15, "parseable": 20, "interpretable": 10, "actionable": 20,
        "consistent": 20,
    }  # fmt: skip


def test_score_actionable_follows_matrix_row_star_when_every_agent_has_a_group() -> None:
    """Heedful names every known AI crawler in its own group: the answer for crawlers without
    one must still be read from the ``*`` group (it was scored 0, "no answer", before)."""
    groups = "".join(f"User-agent: {t}\nContent-Usage: train-ai=n\n\n" for t in matrix_agents())
    report = audit(
        site_input({"/robots.txt": groups + "User-agent: *\nContent-Usage: train-ai=n\n"})
    )
    assert report.matrix.as_dict()["*"]["ai-train"] == "deny"
    assert _points(report, Use.AI_TRAIN)["actionable"] == 20


def test_unreachable_tdm_policy_is_a_warning_not_an_error() -> None:
    """A tdm-policy the server failed to answer (503) may be fine, only unreachable from here;
    a 404 says it is not there (the HF112 case of CASES)."""
    files = {
        "/robots.txt": OPEN,
        "/policy.json": "{}",
        "/.well-known/tdmrep.json": json.dumps(
            [{"location": "/", "tdm-reservation": 1, "tdm-policy": "/policy.json"}]
        ),
    }
    report = audit(site_input(files, statuses={"/policy.json": 503}))
    assert find(report.findings, "HF112").severity is Severity.WARNING


def test_one_line_repeated_in_every_group_is_one_finding_listing_the_agents() -> None:
    """Issue 16 s. 2: one finding per pair of contradicting statements, not per group."""
    groups = "".join(
        f"User-agent: {t}\nAllow: /\nContent-Usage: train-ai=n\n\n" for t in ("GPTBot", "Foo", "*")
    )
    report = audit(site_input({"/robots.txt": groups, "/.well-known/tdmrep.json": TDM_ALLOW}))
    found = [f for f in report.findings if f.rule == "HF101"]
    assert len(found) == 1, found
    assert {"*", "GPTBot", "Foo"} <= set(found[0].agents)
    assert found[0].severity is Severity.ERROR


def test_per_crawler_exception_in_robots_is_a_warning() -> None:
    """A named group denying what a file to every crawler allows: the only way to publish a
    per-crawler exception (TDMRep has no per-crawler form)."""
    robots = "User-agent: GPTBot\nAllow: /\nContent-Usage: train-ai=n\n\n" + OPEN
    report = audit(site_input({"/robots.txt": robots, "/.well-known/tdmrep.json": TDM_ALLOW}))
    finding = find(report.findings, "HF101")
    assert finding.severity is Severity.WARNING
    assert finding.agents == ("GPTBot",)
    assert "per-crawler exception" in finding.message


def test_reservation_carried_down_the_hierarchy_does_not_contradict_a_deny() -> None:
    """``tdm-reservation: 1`` with a tdm-policy offers terms for mining; beside
    ``train-ai=n`` it does not offer AI training (the narrower, stricter answer stands)."""
    tdm = json.dumps([{"location": "/", "tdm-reservation": 1, "tdm-policy": "/p.json"}])
    files = {"/robots.txt": OPEN + "Content-Usage: train-ai=n\n", "/p.json": "{}",
             "/.well-known/tdmrep.json": tdm}  # fmt: skip
    report = audit(site_input(files))
    assert not [f for f in report.findings if f.rule.startswith("HF1")], report.findings


def test_no_contradiction_where_robots_txt_keeps_the_crawler_out() -> None:
    """Preferences do not attach to a URL the crawler may not fetch (aipref attach section 3)."""
    robots = "User-agent: *\nDisallow: /private/\nContent-Usage: /private/ train-ai=n\n"
    tdm = json.dumps([{"location": "/private/", "tdm-reservation": 0}])
    report = audit(site_input({"/robots.txt": robots, "/.well-known/tdmrep.json": tdm}))
    assert not [f for f in report.findings if "/private/" in f.paths]
