"""robots.txt reader: access with reasons, group selection, extension lines, diagnostics.

Each case names its source: a standards.md section (examples 1.13 A-E, 4.8-a, 5-a, 5-b) or "own".
"""

from __future__ import annotations

from typing import Any

import pytest

from heedful.policies.model import Permission, Signal, Use
from heedful.policies.signals.robots.document import MAX_ROBOTS_BYTES, parse_robots, robots_allowed

EXAMPLE_A = """User-agent: *
Disallow: /private/

User-agent: NewsBot
Disallow: /drafts/

User-agent: newsbot
Disallow: /tmp/
"""
EXAMPLE_B = """User-agent: *
Disallow: /shop
Allow: /shop/
Allow: /p
Disallow: /*.pdf
"""
EXAMPLE_C = """User-agent: *
Disallow: /*?session=
Disallow: /downloads/*.zip$
Allow: /downloads/free/
"""
EXAMPLE_D = b"\xef\xbb\xbfUSER-AGENT MyBot\ndisalow: /tmp\nDissallow /cache\nUser-agent: Other Bot\nAllow: /\n"
TIE = "User-agent: *\nAllow: /x\nDisallow: /x\n"

# (id, source, body, agent, url, allowed, location, rule)
# fmt: off
ACCESS_CASES: list[tuple[str, str, str | bytes, str, str, bool, str, str]] = [
    ("A-named-ignores-star", "1.13 A", EXAMPLE_A, "NewsBot", "/private/x", True, "robots.txt",
     "no rule matches this path for groups for NewsBot (lines 4-5, 7-8)"),
    ("A-named-merged-1", "1.13 A", EXAMPLE_A, "NewsBot/2.0", "/drafts/x", False, "line 5",
     "Disallow: /drafts/"),
    ("A-named-merged-2", "1.13 A", EXAMPLE_A, "newsbot", "/tmp/x", False, "line 8",
     "Disallow: /tmp/"),
    ("A-other-star", "1.13 A", EXAMPLE_A, "OtherBot", "/private/x", False, "line 2",
     "Disallow: /private/"),
    ("A-other-drafts", "1.13 A", EXAMPLE_A, "OtherBot", "/drafts/x", True, "robots.txt",
     "no rule matches this path for group for * (lines 1-2)"),
    ("B-shop", "1.13 B", EXAMPLE_B, "Bot", "/shop", False, "line 2", "Disallow: /shop"),
    ("B-shop-item", "1.13 B", EXAMPLE_B, "Bot", "/shop/item", True, "line 3", "Allow: /shop/"),
    ("B-pdf", "1.13 B", EXAMPLE_B, "Bot", "/p/a.pdf", False, "line 5", "Disallow: /*.pdf"),
    ("B-tie-allows", "1.13 B", TIE, "Bot", "/x/y", True, "line 2", "Allow: /x"),
    ("C-session", "1.13 C", EXAMPLE_C, "Bot", "/a?session=1", False, "line 2",
     "Disallow: /*?session="),
    ("C-zip", "1.13 C", EXAMPLE_C, "Bot", "/downloads/x.zip", False, "line 3",
     "Disallow: /downloads/*.zip$"),
    ("C-zip-query", "1.13 C", EXAMPLE_C, "Bot", "/downloads/x.zip?v=2", True, "robots.txt",
     "no rule matches this path for group for * (lines 1-4)"),
    ("C-length-not-intent", "1.13 C", EXAMPLE_C, "Bot", "/downloads/free/x.zip", False,
     "line 3", "Disallow: /downloads/*.zip$"),
    ("D-bom-and-space-separator", "1.13 D", EXAMPLE_D, "MyBot", "/tmp/a", False, "line 2",
     "disalow: /tmp"),
    ("D-missing-colon", "1.13 D", EXAMPLE_D, "MyBot", "/cache/a", False, "line 3",
     "Dissallow /cache"),
    ("D-other-bot-is-other", "1.13 D", EXAMPLE_D, "Other", "/tmp/a", True, "line 5", "Allow: /"),
    ("no-groups", "RFC 9309 2.2.1", "Sitemap: /s.xml\n", "Bot", "/x", True, "robots.txt",
     "no group for Bot and no * group"),
    ("robots-txt-always-allowed", "RFC 9309 2.2.2", "User-agent: *\nDisallow: /\n", "Bot",
     "https://e.example/robots.txt", True, "robots.txt", "/robots.txt is always allowed"),
    ("empty-disallow-never-matches", "1.5", "User-agent: *\nDisallow:\n", "Bot", "/x", True,
     "robots.txt", "no rule matches this path for group for * (lines 1-2)"),
    ("unknown-line-keeps-group", "1.11 #10", "User-agent: A\nFoo: bar\nUser-agent: B\nDisallow: /\n",
     "A", "/x", False, "line 4", "Disallow: /"),
    ("sitemap-keeps-group", "1.11 #10",
     "User-agent: BarBot\nSitemap: /s.xml\nUser-agent: *\nDisallow: /\n", "BarBot", "/x", False,
     "line 4", "Disallow: /"),
    ("token-equality-not-prefix", "1.4", "User-agent: Googlebot-News\nDisallow: /\n",
     "Googlebot", "/x", True, "robots.txt", "no group for Googlebot and no * group"),
    ("value-cut-at-invalid-char", "1.4", "User-agent: Googlebot/2.1\nDisallow: /\n", "Googlebot",
     "/x", False, "line 2", "Disallow: /"),
    ("star-with-comment", "1.11 #9", "User-agent: * # all\nDisallow: /\n", "Bot", "/x", False,
     "line 2", "Disallow: /"),
    ("index-html", "1.11 #14", "User-agent: *\nAllow: /d/index.html\nDisallow: /\n", "Bot",
     "/d/", True, "line 2", "Allow: /d/index.html"),
    ("rule-before-group-ignored", "1.5", "Disallow: /\nUser-agent: *\nAllow: /a\n", "Bot", "/x",
     True, "robots.txt", "no rule matches this path for group for * (line 2-3)".replace("line", "lines")),
]
# fmt: on


@pytest.mark.parametrize(
    ("body", "agent", "url", "allowed", "location", "rule"),
    [pytest.param(*c[2:], id=f"{c[0]} [{c[1]}]") for c in ACCESS_CASES],
)
def test_access(
    body: str | bytes, agent: str, url: str, allowed: bool, location: str, rule: str
) -> None:
    access = parse_robots(body, source="https://e.example/robots.txt").value.access(url, agent)
    assert access.allowed is allowed
    assert access.statement.signal is Signal.ROBOTS
    assert access.statement.source == "https://e.example/robots.txt"
    assert (access.statement.location, access.statement.rule) == (location, rule)


def test_wildcard_replaced_is_visible() -> None:
    """RFC 9309 2.2.1: a named group replaces *; the reason says so (own)."""
    robots = parse_robots(EXAMPLE_A).value
    named = robots.access("/private/x", "NewsBot")
    assert named.wildcard_replaced
    assert "replace the * group (RFC 9309 2.2.1)" in named.statement.note
    other = robots.access("/private/x", "OtherBot")
    assert not other.wildcard_replaced
    assert other.statement.note == ""


def test_robots_allowed() -> None:
    assert robots_allowed(EXAMPLE_B, "Bot", "https://e.example/shop") is False
    assert robots_allowed(EXAMPLE_B, "Bot", "https://e.example/shop/") is True


EXAMPLE_48A = """User-Agent: *
Allow: /
Disallow: /never/
Content-Usage: train-ai=n
Content-Usage: /ai-ok/ train-ai=y

User-Agent: ExampleBot
Allow: /
Content-Usage: train-ai=y
"""
DENY_TRAIN = {Use.AI_TRAIN: Permission.DENY}
ALLOW_GENAI = {Use.GENAI_TRAIN: Permission.ALLOW}

# (id, source, body, agent, path, expected [(signal, location, uses)])
# fmt: off
USE_CASES: list[tuple[str, str, str, str, str, list[tuple[Signal, str, dict[Use, Permission]]]]] = [
    ("48a-other-test", "4.8-a", EXAMPLE_48A, "Other", "/test",
     [(Signal.CONTENT_USAGE, "line 4", DENY_TRAIN)]),
    ("48a-other-never", "4.8-a", EXAMPLE_48A, "Other", "/never/test", []),
    ("48a-other-ai-ok", "4.8-a", EXAMPLE_48A, "Other", "/ai-ok/test",
     [(Signal.CONTENT_USAGE, "line 5", ALLOW_GENAI)]),
    ("48a-examplebot", "4.8-a", EXAMPLE_48A, "ExampleBot", "/never/x",
     [(Signal.CONTENT_USAGE, "line 9", ALLOW_GENAI)]),
    ("same-path-all-returned", "4.8", ("User-agent: *\nContent-Usage: /a train-ai=y\n"
     "Content-Usage: /a train-ai=n\nAllow: /\n"), "Bot", "/a/b",
     [(Signal.CONTENT_USAGE, "line 2", ALLOW_GENAI), (Signal.CONTENT_USAGE, "line 3", DENY_TRAIN)]),
    ("5a-cloudflare-default", "5-a", ("User-Agent: *\nContent-Signal: search=yes, ai-train=no\n"
     "Allow: /\n"), "Bot", "/x",
     [(Signal.CONTENT_SIGNAL, "line 2", {Use.SEARCH: Permission.ALLOW, **DENY_TRAIN})]),
    ("5b-research-bot", "5-b", ("User-agent: *\nContent-Signal: search=yes, ai-input=yes, "
     "ai-train=no\nAllow: /\n\nUser-agent: ResearchBot\nContent-Signal: ai-train=yes\nAllow: /\n"),
     "ResearchBot", "/x", [(Signal.CONTENT_SIGNAL, "line 6", {Use.AI_TRAIN: Permission.ALLOW})]),
    ("signal-before-group-binds-all", "5.3", ("Content-Signal: ai-train=no\nUser-agent: X\n"
     "Allow: /\n"), "X", "/x", [(Signal.CONTENT_SIGNAL, "line 1", DENY_TRAIN)]),
    ("signal-after-rules-in-group", "5.3 (lobste.rs)", ("User-agent: A\nAllow: /\n\n"
     "Content-Signal: ai-train=no\n\nUser-agent: *\nAllow: /\n"), "A", "/x",
     [(Signal.CONTENT_SIGNAL, "line 4", DENY_TRAIN)]),
    ("signal-not-for-star", "5.3 (lobste.rs)", ("User-agent: A\nAllow: /\n\n"
     "Content-Signal: ai-train=no\n\nUser-agent: *\nAllow: /\n"), "B", "/x", []),
]
# fmt: on


@pytest.mark.parametrize(
    ("body", "agent", "path", "expected"),
    [pytest.param(*c[2:], id=f"{c[0]} [{c[1]}]") for c in USE_CASES],
)
def test_use_statements(
    body: str, agent: str, path: str, expected: list[tuple[Signal, str, dict[Use, Permission]]]
) -> None:
    statements = parse_robots(body).value.use_statements(path, agent)
    assert [(s.signal, s.location, dict(s.uses)) for s in statements] == expected


def _codes(body: str | bytes) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in parse_robots(body).diagnostics]


# (id, source, body, expected (code, line) pairs, in line order)
# fmt: off
DIAGNOSTIC_CASES: list[tuple[str, str, str | bytes, list[tuple[str, int]]]] = [
    ("clean", "own", "User-agent: *\nDisallow: /x\n", []),
    ("empty", "own", "", [("empty-file", 0)]),
    ("comments-only", "own", "# nothing\n\n", [("empty-file", 0)]),
    ("typos", "1.11 #7", "useragent: a\ndisalow: /x\nsite-map: /s\n",
     [("typo-directive", 1), ("typo-directive", 2), ("typo-directive", 3)]),
    ("missing-colon", "1.11 #6", "User-agent a\nDisallow /a /b\n",
     [("missing-colon", 1), ("unparseable-line", 2)]),
    ("unknown-vs-nonstandard", "1.7", ("User-agent: *\nCrawl-delay: 5\nHost: e.example\n"
     "AI-Policy: no\nDisallow:\n"),
     [("unknown-directive", 2), ("unknown-directive", 3), ("unknown-directive", 4)]),
    ("key-prefix-is-google-typo", "1.11 #7", "User-agent: *\nAllow-AI: no\nDisallowed: /x\n",
     [("typo-directive", 2), ("typo-directive", 3)]),
    ("rule-outside-group", "1.5", "Disallow: /\nUser-agent: *\n", [("rule-outside-group", 1)]),
    ("named-drops-star", "1.4", ("User-agent: *\nDisallow: /private/\n\nUser-agent: GPTBot\n"
     "Disallow: /x/\n"), [("named-group-drops-wildcard", 4)]),
    ("named-blanket-fine", "1.4", ("User-agent: *\nDisallow: /private/\n\nUser-agent: GPTBot\n"
     "Disallow: /\n"), []),
    ("user-agent-tokens", "10.1", "User-agent: ChatGPT Agent\nUser-agent: 123bot\nDisallow: /\n",
     [("user-agent-truncated", 1), ("user-agent-not-token", 2)]),
    ("user-agent-none", "10.1", "User-agent: *bot\nDisallow: /\n", [("invalid-user-agent", 1)]),
    ("content-signal-outside", "5.3", "Content-Signal: ai-train=no\nUser-agent: *\nAllow: /\n",
     [("content-signal-outside-group", 1)]),
    ("content-signal-value", "5.3", "User-agent: *\nContent-Signal: ai-train=maybe\nAllow: /\n",
     [("content-signal-value", 2)]),
    ("content-usage-syntax", "4.8", "User-agent: *\nContent-Usage: /a train-ai=[\nAllow: /\n",
     [("content-usage-syntax", 2)]),
    ("content-usage-empty", "4.8", "User-agent: *\nContent-Usage: /a\nAllow: /\n",
     [("content-usage-empty", 2)]),
    ("crawl-delay-value", "1.7", "User-agent: *\nCrawl-delay: soon\nAllow: /\n",
     [("unknown-directive", 2), ("crawl-delay-value", 2)]),
    ("bom", "1.11 #1", b"\xef\xbb\xbfUser-agent: *\nAllow: /\n", [("bom", 1)]),
    ("partial-bom", "1.11 #1", b"\xef\xbbUser-agent: *\nAllow: /\n", [("bom", 1)]),
    ("invalid-utf8", "RFC 9309 2.3", b"User-agent: *\n\nDisallow: /\xff\n",
     [("invalid-utf8", 3)]),
    ("cr-line-numbers", "1.11 #2", "User-agent: *\rDisallow: /\r\rFoo: x\r", [("unknown-directive", 4)]),
    ("crlf-line-numbers", "1.11 #2", "User-agent: *\r\nDisallow: /\r\n\r\nFoo: x\r\n",
     [("unknown-directive", 4)]),
    ("mixed-line-numbers", "1.11 #2", "User-agent: *\nDisallow: /\r\n\rFoo: x",
     [("unknown-directive", 4)]),
    ("no-splitlines-separators", "own", "User-agent: *\x0bDisallow: /\x1cx\nFoo: y\n",
     [("unknown-directive", 2)]),
]
# fmt: on


@pytest.mark.parametrize(
    ("body", "expected"),
    [pytest.param(c[2], c[3], id=f"{c[0]} [{c[1]}]") for c in DIAGNOSTIC_CASES],
)
def test_diagnostics(body: str | bytes, expected: list[tuple[str, int]]) -> None:
    assert _codes(body) == expected


def test_truncated_at_500_kib() -> None:
    """RFC 9309 2.5 / standards.md 1.10: the first 500 KiB are read, the rest ignored."""
    head = "User-agent: *\nDisallow: /a\n"
    filler = "#" * (MAX_ROBOTS_BYTES - len(head) - 1) + "\n"
    body = head + filler + "Disallow: /b\n"
    result = parse_robots(body.encode())
    assert ("truncated", 0) in [(d.code, d.line) for d in result.diagnostics]
    assert str(len(body)) in next(d.message for d in result.diagnostics if d.code == "truncated")
    assert result.value.access("/a", "Bot").allowed is False
    assert result.value.access("/b", "Bot").allowed is True
    assert (
        parse_robots((head + "Disallow: /b\n").encode()).value.access("/b", "Bot").allowed is False
    )


def test_truncation_mid_character_is_not_invalid_utf8() -> None:
    body = ("User-agent: *\nDisallow: /" + "é" * MAX_ROBOTS_BYTES).encode()
    codes = [d.code for d in parse_robots(body).diagnostics]
    assert "truncated" in codes
    assert "invalid-utf8" not in codes


def test_license_sitemap_and_agents() -> None:
    """standards.md 6.2: License lines are site-wide and resolved against the robots.txt URL."""
    body = (
        "License: /license.xml\nUser-agent: A\nLicense: https://other.example/l.xml\n"
        "Sitemap: https://e.example/s.xml\nsite-map: /s2.xml\nUser-agent: *\nUser-agent: A\n"
        "Disallow: /\n"
    )
    robots = parse_robots(body, source="https://e.example/robots.txt").value
    assert robots.license_urls == ("https://e.example/license.xml", "https://other.example/l.xml")
    assert robots.sitemaps == ("https://e.example/s.xml", "/s2.xml")
    assert robots.named_agents() == ("A", "*")
    # License/Sitemap lines do not split the group: A is still in the group of line 8
    assert robots.access("/x", "A").allowed is False


# fmt: off
CRAWL_DELAY: list[tuple[str, str, str, Any]] = [
    ("star", "User-agent: *\nCrawl-delay: 2.5\n", "Bot", 2.5),
    ("named-replaces", "User-agent: *\nCrawl-delay: 2\n\nUser-agent: Bot\nCrawl-delay: 7\n", "Bot", 7.0),
    ("largest-of-merged", ("User-agent: Bot\nCrawl-delay: 1\nDisallow: /a\nUser-agent: Bot\n"
     "Crawl-delay: 3\n"), "Bot", 3.0),
    ("none", "User-agent: *\nDisallow: /\n", "Bot", None),
    ("invalid", "User-agent: *\nCrawl-delay: -1\n", "Bot", None),
]
# fmt: on


@pytest.mark.parametrize(
    ("body", "agent", "expected"), [pytest.param(*c[1:], id=c[0]) for c in CRAWL_DELAY]
)
def test_crawl_delay(body: str, agent: str, expected: float | None) -> None:
    """standards.md 1.7: non-standard, group-scoped (own cases)."""
    assert parse_robots(body).value.crawl_delay(agent) == expected


def test_long_line_is_cut_not_dropped() -> None:
    """standards.md 1.11 #3: the first 16663 bytes of a line are parsed."""
    body = "User-agent: *\nDisallow: /x/" + "a" * 17000 + "/qux\n"
    result = parse_robots(body)
    assert ("line-too-long", 2) in [(d.code, d.line) for d in result.diagnostics]
    assert result.value.access("/x/" + "a" * 16700, "Bot").allowed is False


def test_type_error_on_wrong_argument() -> None:
    with pytest.raises(TypeError):
        parse_robots(42)  # type: ignore[arg-type]


def test_discovery_records_are_recorded_and_grant_nothing() -> None:
    # Agentmap:, LLM-policy: and the llm-context record (draft-arsentev-llm-context-discovery-01)
    # point AI agents to documents; they are neither rules nor errors.
    text = (
        "User-agent: *\nDisallow: /private/\nAgentmap: /agents.json\n"
        "LLM-policy: https://pub.example/llm-policy.txt\nllm-context: /.well-known/llm-context\n"
    )
    result = parse_robots(text, source="https://pub.example/robots.txt")
    assert result.value.discovery == (
        ("agentmap", "https://pub.example/agents.json"),
        ("llm-policy", "https://pub.example/llm-policy.txt"),
        ("llm-context", "https://pub.example/.well-known/llm-context"),
    )
    codes = {(d.code, d.severity.value) for d in result.diagnostics}
    assert codes == {("discovery-record", "info")}
    # They end no group and change no rule.
    assert not result.value.access("https://pub.example/private/x", "AnyBot").allowed
    assert result.value.access("https://pub.example/open", "AnyBot").allowed
