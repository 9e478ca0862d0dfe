"""robots.txt laws: the reader is total, and parse(render(spec)) decides exactly like spec.

The reference below evaluates a RobotsSpec directly: RFC 9309 group selection by product-name
equality with ``*`` fallback (2.2.1; docs/decisions.md "Product-token matching"), longest match with ties to Allow (2.2.2), Content-Usage longest path
with equal paths all kept (standards.md 4.8), Content-Signal per selected group (5.3).
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies.model import Permission, Signal, Use
from heedful.policies.patterns import compile_pattern
from heedful.policies.signals.content_signal import parse_content_signal
from heedful.policies.signals.content_usage import parse_content_usage
from heedful.policies.signals.robots.document import (
    RobotsGroupSpec,
    RobotsSpec,
    parse_robots,
    render_robots,
)
from heedful.policies.urlpath import canonical_path

AGENTS = ["*", "AlphaBot", "beta-bot", "GPTBot", "Gamma_Bot", "ChatGPT Agent", "Delta/1.0", "42bot",
          "AI2Bot", "crawler1"]  # fmt: skip
CRAWLERS = ["AlphaBot", "alphabot/2.0", "GPTBot", "ChatGPT", "Delta", "OtherBot", "gamma_bot",
            "AI", "ai2bot/1.0", "crawler3", "42bot"]  # fmt: skip
PATTERNS = ["", "/", "/a", "/a/", "/ab", "/a*", "/*.pdf", "/a$", "/b/c", "*", "/%41b", "/é", "/a#b"]
PATHS = ["/", "/a", "/a/", "/ab", "/Ab", "/a/x.pdf", "/b/c?d=1", "/x.pdf", "/é", "/a#b", "/c"]
USAGE = ["train-ai=n", "train-ai=y", "search=n", "search=y, train-ai=n"]
SIGNALS = ["", "ai-train=no", "search=yes, ai-train=no", "ai-input=yes"]

groups = st.builds(
    RobotsGroupSpec,
    agents=st.lists(st.sampled_from(AGENTS), min_size=1, max_size=3).map(tuple),
    allow=st.lists(st.sampled_from(PATTERNS), max_size=3).map(tuple),
    disallow=st.lists(st.sampled_from(PATTERNS), max_size=3).map(tuple),
    content_usage=st.lists(
        st.tuples(st.sampled_from(["", "/a", "/a/", "/b"]), st.sampled_from(USAGE)), max_size=3
    ).map(tuple),
    content_signal=st.sampled_from(SIGNALS),
    crawl_delay=st.none() | st.sampled_from([0.5, 1.0, 10.0]),
)
specs = st.builds(
    RobotsSpec,
    groups=st.lists(groups, max_size=4).map(tuple),
    licenses=st.lists(st.sampled_from(["https://e.example/license.xml", "/l.xml"]), max_size=2).map(
        tuple
    ),
    comment=st.sampled_from(["", "Content signals policy\n\nsearch: ..."]),
)


def _written(agent: str) -> str | None:
    """What a group's agent is written as: the name before any "/"; a spaced name is not."""
    name = agent.strip().split("/", 1)[0]
    return None if " " in name else name.lower()


def _crawler(crawler: str) -> str:
    return re.split(r"[ /]", crawler.strip(), maxsplit=1)[0].lower()


def _selected(spec: RobotsSpec, crawler: str) -> list[RobotsGroupSpec]:
    written = [g for g in spec.groups if any(_written(a) for a in g.agents)]
    named = [g for g in written if _crawler(crawler) in {_written(a) for a in g.agents}]
    return named or [g for g in written if "*" in {_written(a) for a in g.agents}]


def _reference_allowed(spec: RobotsSpec, crawler: str, path: str) -> bool:
    canonical = canonical_path(path)
    best, allowed = -1, True
    for group in _selected(spec, crawler):
        for values, allow in ((group.allow, True), (group.disallow, False)):
            for value in values:
                pattern = compile_pattern(value)
                if not value or not pattern.matches(canonical):
                    continue
                if pattern.priority > best:
                    best, allowed = pattern.priority, allow
                elif pattern.priority == best and allow:
                    allowed = True  # RFC 9309 2.2.2: equivalent rules, allow wins
    return allowed


def _reference_uses(
    spec: RobotsSpec, crawler: str, path: str
) -> list[tuple[Signal, dict[Use, Permission]]]:
    if not _reference_allowed(spec, crawler, path):
        return []
    canonical = canonical_path(path)
    selected = _selected(spec, crawler)
    usage = [
        (0 if not p else compile_pattern(p).priority, v)
        for g in selected
        for p, v in g.content_usage
        if not p or compile_pattern(p).matches(canonical)
    ]
    top = max((prio for prio, _ in usage), default=-1)
    out = [
        (Signal.CONTENT_USAGE, dict(parse_content_usage(v).value.uses))
        for prio, v in usage
        if prio == top
    ]
    out += [
        (Signal.CONTENT_SIGNAL, dict(parse_content_signal(g.content_signal).value.uses))
        for g in selected
        if g.content_signal
    ]
    return out


@settings(max_examples=200)
@given(st.text())
def test_parse_text_never_raises(text: str) -> None:
    robots = parse_robots(text).value
    robots.access("https://e.example/a?b", "AlphaBot")
    robots.use_statements("/x", "*")
    robots.crawl_delay("Bot")


@settings(max_examples=200)
@given(st.binary())
def test_parse_bytes_never_raises(data: bytes) -> None:
    robots = parse_robots(data).value
    robots.access("/", "Bot")
    robots.named_agents()


@settings(max_examples=100)
@given(
    st.lists(
        st.sampled_from(
            [
                "User-agent: *",
                "User-agent: A",
                "Disallow: /",
                "Allow: /a",
                "Content-Usage: /a train-ai=n",
                "Content-Signal: ai-train=no",
                "\r",
                "\n",
                "\r\n",
                "\x0b",
                "\ufeff",
                "#",
                " ",
                "\xff",
            ]
        ),
        max_size=30,
    )
)
def test_parse_line_soup_never_raises(parts: list[str]) -> None:
    body = "".join(parts)
    for data in (body, body.encode("utf-8", "surrogatepass")):
        robots = parse_robots(data).value
        robots.access("/a", "A")
        robots.use_statements("/a", "A")


@settings(max_examples=200)
@given(specs, st.sampled_from(CRAWLERS), st.sampled_from(PATHS))
def test_render_parse_round_trip(spec: RobotsSpec, crawler: str, path: str) -> None:
    text = render_robots(spec)
    result = parse_robots(text)
    robots = result.value
    assert robots.access(path, crawler).allowed is _reference_allowed(spec, crawler, path)
    got = [(s.signal, dict(s.uses)) for s in robots.use_statements(path, crawler)]
    assert got == _reference_uses(spec, crawler, path)
    assert not any(
        d.code in {"typo-directive", "missing-colon", "rule-outside-group"}
        for d in result.diagnostics
    )
    assert "\r" not in text
    assert not text.startswith("\ufeff")
