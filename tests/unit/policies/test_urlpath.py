"""heedful.policies.urlpath: one normalised path for every matcher (RFC 3986 sections 5.2.4, 6.2.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.signals.robots.document import parse_robots
from heedful.policies.sitepolicy import load_site_policy
from heedful.policies.urlpath import (
    canonical_path,
    has_encoded_separator,
    hides_dot_segment,
    normalise_path,
    remove_dot_segments,
)

# RFC 3986 section 5.4: base http://a/b/c/d;p?q. Each relative reference merged with the base path
# (section 5.2.3), then remove_dot_segments gives the path of the section's result.
RFC3986_5_4 = [
    ("/b/c/g", "/b/c/g"),  # g
    ("/b/c/./g", "/b/c/g"),  # ./g
    ("/b/c/g/", "/b/c/g/"),  # g/
    ("/g", "/g"),  # /g
    ("/b/c/.", "/b/c/"),  # .
    ("/b/c/./", "/b/c/"),  # ./
    ("/b/c/..", "/b/"),  # ..
    ("/b/c/../", "/b/"),  # ../
    ("/b/c/../g", "/b/g"),  # ../g
    ("/b/c/../..", "/"),  # ../..
    ("/b/c/../../", "/"),  # ../../
    ("/b/c/../../g", "/g"),  # ../../g
    # 5.4.2 abnormal examples
    ("/b/c/../../../g", "/g"),  # ../../../g
    ("/b/c/../../../../g", "/g"),  # ../../../../g
    ("/./g", "/g"),
    ("/../g", "/g"),
    ("/b/c/g.", "/b/c/g."),
    ("/b/c/.g", "/b/c/.g"),
    ("/b/c/g..", "/b/c/g.."),
    ("/b/c/..g", "/b/c/..g"),
    ("/b/c/./../g", "/b/g"),  # ./../g
    ("/b/c/./g/.", "/b/c/g/"),  # ./g/.
    ("/b/c/g/./h", "/b/c/g/h"),
    ("/b/c/g/../h", "/b/c/h"),
    ("/b/c/g;x=1/./y", "/b/c/g;x=1/y"),
    ("/b/c/g;x=1/../y", "/b/c/y"),
    # section 5.2.4's own worked examples
    ("/a/b/c/./../../g", "/a/g"),
    ("/mid/content=5/../6", "/mid/6"),
]


@pytest.mark.parametrize(("path", "want"), RFC3986_5_4, ids=[p for p, _ in RFC3986_5_4])
def test_remove_dot_segments_rfc3986_examples(path: str, want: str) -> None:
    assert remove_dot_segments(path) == want


ENCODED = [
    ("/b/c/%2e%2e/g", "/b/g"),
    ("/b/c/%2E%2E/g", "/b/g"),
    ("/b/c/.%2E/g", "/b/g"),
    ("/b/c/%2e/g", "/b/c/g"),
    ("/press/%2e%2e/index.html", "/index.html"),
    ("/a/%2E%2E/press/x", "/press/x"),
    ("/press/./x", "/press/x"),
    ("/%7Euser/%61", "/~user/a"),  # RFC 3986 6.2.2.2: unreserved decoded
    ("/a%2fb", "/a%2Fb"),  # reserved kept, hex upper-cased (6.2.2.1)
    ("/press/..%2findex.html", "/press/..%2Findex.html"),  # one segment, not a dot segment
    ("/a/../b?x=/../y", "/b?x=/../y"),  # the query keeps its dots
    ("/caf\u00e9/../x", "/x"),
    ("/a//../b", "/a/b"),
]


@pytest.mark.parametrize(("path", "want"), ENCODED, ids=[p for p, _ in ENCODED])
def test_normalise_path_decodes_unreserved_then_removes_dots(path: str, want: str) -> None:
    assert normalise_path(path) == want


def test_canonical_path_of_an_absolute_url() -> None:
    assert canonical_path("https://a.example/press/%2e%2e/index.html#top") == "/index.html"


@pytest.mark.parametrize(
    ("url", "hidden", "separator"),
    [
        ("/press/..%2findex.html", True, True),
        ("/press/%2e%2e%2Findex.html", True, True),
        ("/a%5C..%5Cb", True, True),
        ("/a\\..\\b", True, True),
        ("/a%2Fb", False, True),
        ("/press/../index.html", False, False),
        ("/a/b?x=..%2F", False, False),
    ],
)
def test_paths_servers_disagree_on(url: str, hidden: bool, separator: bool) -> None:
    assert hides_dot_segment(url) is hidden
    assert has_encoded_separator(url) is separator


def test_robots_rules_match_the_normalised_path() -> None:
    robots = parse_robots("User-agent: *\nDisallow: /\nAllow: /press/\n").value
    assert robots.access("https://a.example/press/x", "Bot").allowed
    assert not robots.access("https://a.example/press/%2e%2e/index.html", "Bot").allowed
    assert not robots.access("https://a.example/press/../index.html", "Bot").allowed
    assert robots.access("https://a.example/x/%2E%2E/press/y", "Bot").allowed


def test_a_site_policy_prefix_cannot_hold_a_dot_segment() -> None:
    text = (
        '[site]\nname = "x"\nurl = "https://x.example"\ncontact = "a@x.example"\n'
        '[defaults]\nsearch = "allow"\nai-input = "allow"\nai-train = "deny"\ntdm = "allow"\n'
        '[[paths]]\npath = "/press/../x/"\nai-train = "allow"\n'
    )
    with pytest.raises(Exception, match="segment"):
        load_site_policy(text)


@given(st.from_regex(r"/[A-Za-z0-9/._%~-]{0,30}", fullmatch=True))
def test_a_canonical_path_read_again_is_the_same(path: str) -> None:
    # A request target's origin-form may start with //; it is a path, never an authority.
    once = canonical_path(path)
    assert canonical_path(once) == once
    assert canonical_path("//f.pdf") == "//f.pdf"
