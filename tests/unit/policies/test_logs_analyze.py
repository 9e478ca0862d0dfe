"""The log analyzer: per-agent counters, robots.txt first, violations with the rule."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies.agents import find_agent
from heedful.policies.identity import IpRanges, RangeSnapshot
from heedful.policies.logs import LogAnalyzer, denial, split_batches
from heedful.policies.logs.analyze import PathKey, _decisive_patterns
from heedful.policies.sitepolicy import load_site_policy
from heedful.policies.urlpath import canonical_path

ROOT = Path(__file__).resolve().parents[3]
POLICY = load_site_policy((ROOT / "examples" / "news-publisher.toml").read_bytes())
GPTBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"
CLAUDE = "ClaudeBot/1.0; +claudebot@anthropic.com"
GOOGLE = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
REAL = IpRanges.prepare(
    [
        RangeSnapshot(
            name="gptbot",
            vendor="OpenAI",
            agents=("GPTBot",),
            source="https://openai.com/gptbot.json",
            retrieved="2026-12-07",
            creation_time="",
            placeholder=False,
            prefixes=(ipaddress.ip_network("192.0.2.0/28"),),
        )
    ]
)


def line(ip: str, second: int, target: str, ua: str, status: int = 200, size: int = 100) -> bytes:
    return f'{ip} - - [07/Dec/2026:10:00:{second:02d} +0000] "GET {target} HTTP/1.1" {status} {size} "-" "{ua}"'.encode()


def feed(lines: list[bytes], policy=POLICY, ranges=REAL):  # type: ignore[no-untyped-def]
    analyzer = LogAnalyzer(policy=policy, ranges=ranges)
    data = b"\n".join(lines) + b"\n"
    violations = []
    first = 1
    for batch in split_batches([data[i : i + 97] for i in range(0, len(data), 97)]):
        violations += analyzer.feed_lines(batch, source="access.log", first=first)
        first += len(batch)
    return analyzer, violations


def test_per_agent_counters_and_robots_first() -> None:
    analyzer, _ = feed(
        [
            line("192.0.2.1", 1, "/robots.txt", GPTBOT, size=50),
            line("192.0.2.1", 2, "/press/1", GPTBOT, size=1000),
            line("10.0.0.1", 3, "/news/1", CLAUDE),
            line("10.0.0.1", 4, "/robots.txt", CLAUDE),
            line("10.0.0.2", 5, "/ai.txt", GOOGLE),
            line("10.0.0.3", 6, "/", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"),
        ]
    )
    gpt, claude, google = (analyzer.agents[t] for t in ("GPTBot", "ClaudeBot", "Googlebot"))
    assert (gpt.requests, gpt.pages, gpt.bytes, gpt.robots_requests) == (2, 1, 1050, 1)
    assert gpt.robots_first is True
    assert claude.robots_first is False, "robots.txt came after a page"
    assert google.robots_first is None, "no page fetched"
    assert google.pages == 0, "signal files are not pages"
    assert gpt.last_seen - gpt.first_seen == 1  # type: ignore[operator]
    assert analyzer.summary.requests == 6
    assert analyzer.summary.crawler_requests == 5
    assert "Firefox" not in str(analyzer.agents)


def test_violations_name_the_rule_and_the_level() -> None:
    analyzer, violations = feed(
        [
            line("192.0.2.1", 1, "/news/1", GPTBOT, status=403),
            line("10.9.9.9", 2, "/news/2", GPTBOT),
            line("10.0.0.1", 3, "/news/1", CLAUDE),
            line("10.0.0.1", 4, "/press/1", CLAUDE),
            line("10.0.0.2", 5, "/account/me", GOOGLE),
            line("10.0.0.2", 6, "/news/1", GOOGLE),
            line("10.0.0.2", 7, "/robots.txt", GPTBOT),
        ]
    )
    got = [(v.agent, v.level, v.target, v.denied, v.blocked, v.where) for v in violations]
    assert got == [
        ("GPTBot", "ip-range", "/news/1", "access", True, "access.log:1"),
        ("GPTBot", "spoofed", "/news/2", "access", False, "access.log:2"),
        ("ClaudeBot", "unverified", "/news/1", "ai-train", False, "access.log:3"),
        ("Googlebot", "unverified", "/account/me", "access", False, "access.log:5"),
    ]
    assert violations[0].rule == 'agents[1] (agent = "GPTBot", path = "/", access = "deny")'
    assert violations[2].rule == 'defaults (ai-train = "deny")'
    assert violations[3].rule == 'paths[2] (path = "/account/", access = "deny")'
    assert analyzer.agents["GPTBot"].blocked == 1
    assert analyzer.summary.violations == 4


def test_no_policy_means_no_violations() -> None:
    analyzer, violations = feed([line("192.0.2.1", 1, "/news/1", GPTBOT)], policy=None)
    assert violations == []
    assert analyzer.agents["GPTBot"].pages == 1


def test_hostile_lines_are_counted_never_dropped() -> None:
    lines = [
        line("192.0.2.1", 1, "/news/1", GPTBOT)[:50],
        b"\xff\xfe\xfd",
        line("2001:db8::1", 2, "/news/1", "A" * 100_000),
        line("2001:db8::1", 3, "/news/1", GPTBOT),
        b"",
    ]
    analyzer, violations = feed(lines)
    summary = analyzer.summary
    assert summary.lines == 5
    assert dict(summary.unreadable) == {"malformed": 2, "invalid UTF-8": 1, "too long": 1}
    assert summary.samples[0] == "access.log:1: malformed"
    assert [v.client_ip for v in violations] == ["2001:db8::1"]


def test_caddy_lines_go_through_the_same_analysis() -> None:
    caddy = (
        b'{"ts": 1765101601.0, "status": 200, "size": 9, "request": {"client_ip": "10.0.0.1",'
        b' "method": "GET", "uri": "/news/1", "headers": {"User-Agent": ["'
        + CLAUDE.encode()
        + b'"]}}}'
    )
    analyzer, violations = feed([caddy])
    assert [v.denied for v in violations] == ["ai-train"]
    assert analyzer.agents["ClaudeBot"].first_seen == 1765101601.0


WILD = load_site_policy(
    b"""
[site]
name = "W"
url = "https://w.example"
contact = "a@w.example"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "allow"
tdm = "allow"

[[paths]]
path = "/news/archive/"
ai-train = "deny"

[[paths]]
path = "/a"
access = "deny"

[[agents]]
agent = "ClaudeBot"
path = "/news/"
access = "deny"

[[media]]
extensions = ["jpg", "pdf"]
ai-train = "deny"
"""
)
PATHS = st.lists(
    st.sampled_from(
        [
            "",
            "news",
            "archive",
            "press",
            "account",
            "a.jpg",
            "b.PNG",
            "x",
            "%61",
            "ab",
            "f.pdf",
            "a",
        ]
    ),
    min_size=1,
    max_size=4,
).map(lambda parts: "/" + "/".join(parts))
AGENTS = st.sampled_from(
    ["GPTBot", "ClaudeBot", "Googlebot", "PerplexityBot", "Bytespider", "CCBot"]
)


@settings(max_examples=300)
@given(PATHS, PATHS, AGENTS, st.sampled_from([POLICY, WILD]))
def test_the_memo_key_decides_exactly(a: str, b: str, token: str, policy) -> None:  # type: ignore[no-untyped-def]
    """Paths with the same pattern-match vector get the same decision (the memo is exact)."""
    patterns = _decisive_patterns(policy)
    agent = find_agent(token)
    assert agent is not None
    vector = [tuple(p.matches(canonical_path(x)) for p in patterns) for x in (a, b)]
    if vector[0] == vector[1]:
        assert denial(policy, target=a, agent=agent) == denial(policy, target=b, agent=agent)


@settings(max_examples=300)
@given(PATHS, PATHS, st.sampled_from([POLICY, WILD]))
def test_the_fast_key_partitions_paths_like_the_patterns(a: str, b: str, policy) -> None:  # type: ignore[no-untyped-def]
    patterns = _decisive_patterns(policy)
    key = PathKey.of(patterns)
    assert key.suffixes, "extension patterns take the endswith path"
    pa, pb = canonical_path(a), canonical_path(b)
    same_vector = [p.matches(pa) for p in patterns] == [p.matches(pb) for p in patterns]
    assert (key(pa) == key(pb)) == same_vector


@pytest.mark.parametrize("target", ["/news/1", "/archive/2", "/press/3", "/photo.jpg"])
def test_analyzer_agrees_with_denial(target: str) -> None:
    agent = find_agent("ClaudeBot")
    assert agent is not None
    _, violations = feed([line("10.0.0.1", 1, target, CLAUDE)])
    expected = denial(POLICY, target=target, agent=agent)
    assert [(v.denied, v.rule) for v in violations] == (
        [(expected.denied, expected.rule)] if expected else []
    )


HOSTILE = st.one_of(
    st.binary(max_size=200),
    st.builds(
        line,
        st.sampled_from(["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.3", "x" * 80, "-"]),
        st.integers(min_value=0, max_value=59),
        st.sampled_from(["/news/1", "/robots.txt", "/a b", "*", "http://x/y", "/%ff"]),
        st.sampled_from([GPTBOT, CLAUDE, GOOGLE, "", "Mozilla/5.0", "\\\\x22"]),
    ),
)


@settings(max_examples=200)
@given(st.lists(HOSTILE, min_size=1, max_size=20))
def test_every_line_is_a_request_or_unreadable(lines: list[bytes]) -> None:
    """No line is lost: lines = requests + unreadable, and nothing raises."""
    cleaned = [x.replace(b"\n", b" ") for x in lines]
    analyzer, violations = feed(cleaned)
    summary = analyzer.summary
    assert summary.lines == len(cleaned)
    assert summary.lines == summary.requests + sum(summary.unreadable.values())
    assert len(violations) == summary.violations
