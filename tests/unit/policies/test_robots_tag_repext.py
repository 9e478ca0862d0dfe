"""``Robots-Tag`` (draft-illyes-repext-03 section 3.1.1) and the sum of negative rules (3.1.2).

The field is a structured-field List (RFC 8941): each member is a product token or ``*``, its
Parameters are the rules for it. A crawler obeys the union of the negative rules addressed to its
own token and to every crawler; nothing addressed to it lifts a global rule.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.html import HeadMeta
from heedful.policies.model import Permission, Use
from heedful.policies.signals.robots_tag import robots_tag_statements

URL = "https://pub.example/a"


def _uses(headers: tuple[tuple[str, str], ...], metas: tuple[HeadMeta, ...] = ()) -> dict[Use, str]:
    result = robots_tag_statements(headers, metas, agent="HeedfulBot", source=URL)
    out: dict[Use, str] = {}
    for stmt in result.value:
        for use, permission in stmt.uses.items():
            out[use] = str(permission)
    return out


DENY_AI = {Use.AI_TRAIN: "deny", Use.AI_INPUT: "deny"}

CASES = [
    ("*;noai", DENY_AI),
    ("*;noindex;nosnippet, ExampleBot;", {Use.SEARCH: "deny"}),
    ("HeedfulBot;noai", DENY_AI),
    ("heedfulbot;noai;noindex", {**DENY_AI, Use.SEARCH: "deny"}),
    ("OtherBot;noai", {}),
    ("OtherBot;noai, *;noindex", {Use.SEARCH: "deny"}),
    # The sum of negative rules: the global noai stands beside our own token's group.
    ("*;noai, HeedfulBot;index", DENY_AI),
    ("HeedfulBot;noindex, HeedfulBot;noai", {**DENY_AI, Use.SEARCH: "deny"}),
    # Written the X-Robots-Tag way: read as a rule for every crawler, and reported.
    ("noai", DENY_AI),
]


@pytest.mark.parametrize(("value", "uses"), CASES, ids=[c[0] for c in CASES])
def test_robots_tag_field(value: str, uses: dict[Use, str]) -> None:
    assert _uses((("Robots-Tag", value),)) == uses


def test_a_value_written_the_old_way_is_reported() -> None:
    result = robots_tag_statements((("Robots-Tag", "noai"),), (), agent="HeedfulBot", source=URL)
    assert [d.code for d in result.diagnostics] == ["robots-tag-syntax"]
    assert "*;noai" in result.diagnostics[0].message


def test_meta_rules_for_our_token_add_to_the_global_ones() -> None:
    metas = (
        HeadMeta(name="robots", content="noindex", index=0, line=3),
        HeadMeta(name="heedfulbot", content="noai", index=1, line=4),
        HeadMeta(name="otherbot", content="noimageai", index=2, line=5),
    )
    assert _uses((), metas) == {**DENY_AI, Use.SEARCH: "deny"}


@given(st.text(max_size=200))
def test_any_robots_tag_value_is_read_without_raising_and_never_allows(value: str) -> None:
    result = robots_tag_statements((("Robots-Tag", value),), (), agent="HeedfulBot", source=URL)
    for stmt in result.value:
        assert Permission.ALLOW not in stmt.uses.values()
