"""RFC 9309 path patterns and the many-rule matcher (policies.patterns)."""

from __future__ import annotations

import pytest

from heedful.policies.patterns import (
    compile_pattern,
    compile_robots_pattern,
    pattern_list,
    robots_form,
)

# RFC 9309 section 2.2.3 and Google's documented examples: (pattern, path, matches).
CASES = [
    ("/fish", "/fish", True),
    ("/fish", "/fish.html", True),
    ("/fish", "/Fish.asp", False),
    ("/fish*", "/fishheads/yummy.html", True),
    ("/fish/", "/fish", False),
    ("/*.php", "/folder/filename.php?parameters", True),
    ("/*.php", "/windows.PHP", False),
    ("/*.php$", "/filename.php", True),
    ("/*.php$", "/filename.php?parameters", False),
    ("/fish*.php", "/fishheads/catfish.php?parameters", True),
    ("/fish*.php", "/Fish.PHP", False),
    ("/a$", "/a", True),
    ("/a$", "/ab", False),
    ("/*a*a*a*a*a*b", "/" + "a" * 200, False),
    ("/%2A", "/*", True),
    ("/a%24", "/a$b", True),
    ("", "/", False),
]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"), CASES, ids=[f"{p}|{q}" for p, q, _ in CASES]
)
def test_pattern_matches(pattern: str, path: str, expected: bool) -> None:
    assert compile_pattern(pattern).matches(path) is expected


def test_the_list_names_the_most_specific_rule_of_each_kind() -> None:
    texts = ["/a", "/a/b", "/a/*.pdf$", "/a/b/c$", "/*?q="]
    patterns = sorted(map(compile_pattern, texts), key=lambda p: p.priority, reverse=True)
    matcher = pattern_list(patterns)

    def first(path: str) -> str | None:
        found = matcher.first(path)
        return None if found is None else patterns[found].text

    assert first("/a/b/c") == "/a/b/c$"
    assert first("/a/b/c/d") == "/a/b"
    assert first("/a/x.pdf") == "/a/*.pdf$"
    assert first("/a/x.pdf?v=1") == "/a"
    assert first("/z?q=1") == "/*?q="
    assert first("/z") is None


def test_a_literal_star_keeps_its_place_in_the_order() -> None:
    """``%2A`` is one character in the path but three in the pattern's length (RFC 9309 2.2.3)."""
    patterns = sorted(
        map(compile_pattern, ["/a%2A", "/a*b"]), key=lambda p: p.priority, reverse=True
    )
    assert [p.text for p in patterns] == ["/a%2A", "/a*b"]
    assert pattern_list(patterns).first("/a*b") == 0


def test_robots_form_spells_reserved_characters_one_way() -> None:
    assert robots_form("/a&b") == robots_form("/a%26b") == "/a%26b"
    assert robots_form("/a=b") == robots_form("/a%3Db") == "/a=b"
    assert robots_form("/a%2Fb") != robots_form("/a/b")
    assert compile_robots_pattern("/*&sort").matches(robots_form("/list?a=1%26sort=up"))
