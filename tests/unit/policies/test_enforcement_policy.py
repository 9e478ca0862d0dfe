"""The ``[enforcement]`` table: refused with file, line and key; actions chosen most specific first."""

from __future__ import annotations

import pytest

from heedful.policies.agents import find_agent
from heedful.policies.denial import denial
from heedful.policies.enforcement import action_for, answer, class_of, is_bot
from heedful.policies.errors import PolicyFormatError
from heedful.policies.signals.removals import Removal
from heedful.policies.sitepolicy import load_site_policy

BASE = """\
[site]
name = "N"
url = "https://news.example"
contact = "rights@news.example"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "deny"
tdm = "allow"
"""


def _problems(extra: str) -> list[str]:
    with pytest.raises(PolicyFormatError) as caught:
        load_site_policy(BASE + extra, filename="site.toml")
    return [str(p) for p in caught.value.problems]


def test_license_action_needs_license_terms() -> None:
    problems = _problems('\n[enforcement]\ntraining = "license"\n')
    assert problems == [
        (
            "site.toml:13: enforcement.training: 'license' answers with the RSL licence, so it "
            "needs a [license] table (or use 'block')"
        )
    ]


def test_bad_values_are_refused_with_their_line() -> None:
    problems = _problems('\n[enforcement]\naction = "drop"\ncrawl-delay = -1\n')
    assert [p.split(":")[1] for p in problems] == ["13", "14"]
    assert "monitor" in problems[0]


def test_duplicate_agent_actions_are_refused() -> None:
    extra = '\n[[enforcement.agents]]\nagent = "GPTBot"\naction = "block"\n'
    problems = _problems(extra + extra.replace("block", "monitor"))
    assert problems == [
        (
            "site.toml:17: enforcement.agents[1].agent: GPTBot already has an action "
            "(enforcement.agents[0])"
        )
    ]


def test_action_is_chosen_most_specific_first() -> None:
    policy = load_site_policy(
        BASE
        + '\n[enforcement]\ntraining = "block"\nspoofed = "block"\nunknown = "monitor"\n'
        + '\n[[enforcement.agents]]\nagent = "Googlebot"\naction = "block"\n'
    )
    rules = policy.enforcement
    gptbot, image, searchbot = (
        find_agent(t) for t in ("GPTBot", "Googlebot-Image", "OAI-SearchBot")
    )
    assert action_for(rules, gptbot, spoofed=False) == "block"
    assert action_for(rules, image, spoofed=False) == "block"  # Googlebot's documented fallback
    assert action_for(rules, searchbot, spoofed=False) == "monitor"
    assert action_for(rules, searchbot, spoofed=True) == "block"
    assert action_for(rules, None, spoofed=False) == "monitor"
    assert class_of(searchbot) == "ai-input"
    assert is_bot("Mozilla/5.0 (compatible; ExampleCrawler/2.0)")
    assert not is_bot("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")


def test_denial_knows_licences_and_removals() -> None:
    policy = load_site_policy(
        BASE.replace('ai-train = "deny"', 'ai-train = "license"')
        + '\n[license]\npayment = "training"\namount = "1"\ncurrency = "EUR"\n'
    )
    gptbot = find_agent("GPTBot")
    assert gptbot is not None
    assert denial(policy, target="/a", agent=gptbot) is None  # a log cannot tell
    found = denial(policy, target="/a", agent=gptbot, licensed=False)
    assert found is not None
    assert found.needs_license
    assert answer(policy, "license", found).status == 402
    assert answer(policy, "monitor", found).status is None
    assert denial(policy, target="/robots.txt", agent=gptbot, licensed=False) is None
    removal = Removal(
        url="https://news.example/photos/", prefix=True, approved_at="2026-12-01T00:00:00Z"
    )
    removed = denial(
        policy,
        target="/photos/1",
        agent=gptbot,
        licensed=True,
        url="https://news.example/photos/1",
        removals=[removal],
    )
    assert removed is not None
    assert removed.removal
    assert (
        removed.rule == "removal of https://news.example/photos/* (approved 2026-12-01T00:00:00Z)"
    )
