"""One origin, written one way: the scope every site-level file shares (RFC 9309 section 2.3)."""

from __future__ import annotations

import pytest

from policies.origin import BadURL, Origin, origin_of, page_origin, parse_origin, same_origin

# (url, origin): RFC 3986 section 6.2.2.1 (case), 6.2.3 (default port), RFC 5890 (A-labels)
CASES = [
    ("https://example.com/a?b#c", "https://example.com"),
    ("HTTPS://Example.COM/Path", "https://example.com"),
    ("http://example.com:80/", "http://example.com"),
    ("https://example.com:443", "https://example.com"),
    ("https://example.com:8443/x", "https://example.com:8443"),
    ("http://example.com:443/", "http://example.com:443"),
    ("https://user:secret@example.com/", "https://example.com"),
    ("https://example.com./", "https://example.com"),
    ("https://bücher.example/", "https://xn--bcher-kva.example"),
    ("http://127.0.0.1:8080/robots.txt", "http://127.0.0.1:8080"),
    ("http://[::1]:8080/", "http://[::1]:8080"),
    ("http://[::1]/", "http://[::1]"),
]


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[c[0] for c in CASES])
def test_origin_of(url: str, expected: str) -> None:
    assert origin_of(url) == expected
    assert origin_of(expected) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/relative",
        "ftp://example.com/",
        "https://",
        "https://:80/",
        "http://[::1/",
        "http://example.com:99999/",
        "http://example.com:port/",
        "mailto:a@example.com",
    ],
)
def test_what_is_not_an_http_origin_is_refused(url: str) -> None:
    with pytest.raises(BadURL, match="not an absolute http"):
        origin_of(url)


def test_the_port_is_always_filled_in_for_comparison() -> None:
    assert parse_origin("https://Example.com/") == Origin("https", "example.com", 443)
    assert same_origin("https://EXAMPLE.com:443/x", "https://example.com")
    assert not same_origin("http://example.com/", "https://example.com")
    assert not same_origin("not a url", "https://example.com")


def test_a_page_hiding_a_dot_segment_is_refused() -> None:
    assert page_origin("https://example.com/press/../x") == "https://example.com"
    with pytest.raises(BadURL, match="hides a dot segment"):
        page_origin("https://example.com/press/..%2Fsecret.html")
