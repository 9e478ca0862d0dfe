"""What fetch outcomes mean: RFC 9309 2.3.1 statuses, redirects, caching, 401/402/403."""

from __future__ import annotations

from typing import Any

import pytest

from policies import fetching, freshness, redirects, statuses
from policies import page_access as page_access_module
from policies.fetching import (
    MAX_CACHE_SECONDS,
    MAX_REDIRECTS,
    STATUS_MEANINGS,
    Availability,
    cache_lifetime,
    next_hop,
    page_access,
    robots_outcome,
    rsl_link,
    signal_file_outcome,
    status_meaning,
)
from policies.model import LicenseOffer, Permission, Signal, Use

FOUND, UNAVAILABLE, UNREACHABLE = (
    Availability.FOUND,
    Availability.UNAVAILABLE,
    Availability.UNREACHABLE,
)
TIMEOUT = "timed out after 10.0 s"

# (id, keyword arguments, expected availability, source)
ROBOTS_CASES: list[tuple[str, dict[str, Any], Availability, str]] = [
    ("200", {"status": 200}, FOUND, "RFC 9309 2.3.1.1"),
    ("204", {"status": 204}, FOUND, "RFC 9309 2.3.1.1"),
    ("301-without-location", {"status": 301}, UNREACHABLE, "RFC 9309 2.3.1.2; brief"),
    ("302-loop", {"status": 302, "error": "redirect loop: a -> a"}, UNREACHABLE, "own"),
    ("400", {"status": 400}, UNAVAILABLE, "RFC 9309 2.3.1.3"),
    ("401", {"status": 401}, UNAVAILABLE, "RFC 9309 2.3.1.3; standards.md 1.8 (Google)"),
    ("403", {"status": 403}, UNAVAILABLE, "RFC 9309 2.3.1.3; standards.md 1.8 (Google)"),
    ("404", {"status": 404}, UNAVAILABLE, "RFC 9309 2.3.1.3"),
    ("410", {"status": 410}, UNAVAILABLE, "RFC 9309 2.3.1.3"),
    ("429", {"status": 429}, UNREACHABLE, "standards.md 1.8 (429 as server error)"),
    ("500", {"status": 500}, UNREACHABLE, "RFC 9309 2.3.1.4"),
    ("503", {"status": 503}, UNREACHABLE, "RFC 9309 2.3.1.4"),
    ("599", {"status": 599}, UNREACHABLE, "RFC 9309 2.3.1.4"),
    ("1xx-final", {"status": 102}, UNREACHABLE, "own: not a final status, fail closed"),
    ("600", {"status": 600}, UNREACHABLE, "own: not an HTTP status, fail closed"),
    ("none-timeout", {"status": None, "error": TIMEOUT}, UNREACHABLE, "RFC 9309 2.3.1.4"),
    ("none-reset", {"status": None, "error": "connection reset"}, UNREACHABLE, "RFC 9309 2.3.1.4"),
    ("none-no-error", {"status": None}, UNREACHABLE, "own"),
    ("5-redirects", {"status": 200, "redirects": 5}, FOUND, "RFC 9309 2.3.1.2"),
    ("6-redirects", {"status": 302, "redirects": 6}, UNREACHABLE, "RFC 9309 2.3.1.2; brief"),
    ("6-redirects-then-200", {"status": 200, "redirects": 6}, UNREACHABLE, "own: limit first"),
    ("404-after-redirect", {"status": 404, "redirects": 2}, UNAVAILABLE, "RFC 9309 2.3.1.2"),
    (
        "200-cut-at-cap",
        {"status": 200, "truncated": True, "error": "body larger than 512000 bytes: truncated"},
        FOUND,
        "RFC 9309 2.5: parse the first 500 KiB",
    ),
    (
        "200-body-stalled",
        {"status": 200, "error": TIMEOUT},
        UNREACHABLE,
        "standards.md 1.8: truncated body is unreachable",
    ),
    ("404-body-error", {"status": 404, "error": TIMEOUT}, UNAVAILABLE, "own: the status decides"),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [(kwargs, expected) for _, kwargs, expected, _ in ROBOTS_CASES],
    ids=[case[0] for case in ROBOTS_CASES],
)
def test_robots_outcome(kwargs: dict[str, Any], expected: Availability) -> None:
    assert robots_outcome(**kwargs).availability is expected


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        (
            {"status": 503},
            "robots.txt answered 503: unreachable, complete disallow (RFC 9309 2.3.1.4)",
        ),
        ({"status": 404}, "robots.txt answered 404: unavailable, allow all (RFC 9309 2.3.1.3)"),
        (
            {"status": None, "error": TIMEOUT},
            (
                "robots.txt could not be fetched (timed out after 10.0 s): unreachable, complete "
                "disallow (RFC 9309 2.3.1.4)"
            ),
        ),
        (
            {"status": 302, "redirects": 6},
            (
                "robots.txt took 6 redirects, more than 5: unreachable, complete disallow "
                "(RFC 9309 2.3.1.2)"
            ),
        ),
    ],
    ids=["503", "404", "timeout", "too-many-redirects"],
)
def test_robots_reason_is_one_sentence_citing_the_rfc(kwargs: dict[str, Any], reason: str) -> None:
    assert robots_outcome(**kwargs).reason == reason


SIGNAL_CASES: list[tuple[str, dict[str, Any], Availability, str]] = [
    ("200", {"status": 200}, FOUND, "standards.md 12.6"),
    ("404", {"status": 404}, UNAVAILABLE, "standards.md 2.3: not implemented"),
    ("410", {"status": 410}, UNAVAILABLE, "standards.md 12.6"),
    ("403", {"status": 403}, UNAVAILABLE, "standards.md 12.6"),
    ("429", {"status": 429}, UNREACHABLE, "standards.md 12.3 step 7"),
    ("500", {"status": 500}, UNREACHABLE, "standards.md 12.3 step 7"),
    ("none", {"status": None, "error": TIMEOUT}, UNREACHABLE, "standards.md 12.3 step 7"),
    ("6-redirects", {"status": 301, "redirects": 6}, UNREACHABLE, "own, as robots.txt"),
    # issue 16 s. 3: a 200 that cannot be read (cut off, over the limit) is never "no statement"
    ("200-stalled", {"status": 200, "error": TIMEOUT}, Availability.UNREADABLE, "issue 16"),
    ("200-over-limit", {"status": 200, "truncated": True}, Availability.UNREADABLE, "issue 16"),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [(kwargs, expected) for _, kwargs, expected, _ in SIGNAL_CASES],
    ids=[case[0] for case in SIGNAL_CASES],
)
def test_signal_file_outcome(kwargs: dict[str, Any], expected: Availability) -> None:
    assert signal_file_outcome(**kwargs).availability is expected


def test_signal_file_reason_names_the_file_and_the_consequence() -> None:
    assert signal_file_outcome(status=503, name="tdmrep.json").reason == (
        "tdmrep.json answered 503: unreachable, unknown for this mechanism, retry later "
        "(docs/decisions.md, Each mechanism's own rules)"
    )
    assert "no statement" in signal_file_outcome(status=404).reason


def test_a_signal_file_over_its_limit_is_unreadable_with_the_byte_count() -> None:
    outcome = signal_file_outcome(
        status=200, truncated=True, received=512000, limit=512000, name="tdmrep.json"
    )
    assert outcome.availability is Availability.UNREADABLE
    assert "larger than 512000 bytes" in outcome.reason
    assert "no statement" not in outcome.reason


def test_no_answer_at_all_is_marked_unanswered() -> None:
    assert robots_outcome(status=None, error=TIMEOUT).answered is False
    assert robots_outcome(status=503).answered is True


def test_status_table_covers_every_status_once_except_429() -> None:
    """STATUS_MEANINGS is the documented table: 429 is carved out of 4xx by coming first."""
    for status in range(200, 600):
        rows = [row for row in STATUS_MEANINGS if status in row.statuses]
        assert len(rows) == (2 if status == 429 else 1), status
        assert status_meaning(status) is rows[0]
    assert status_meaning(429).availability is UNREACHABLE


NEXT_HOP_CASES = [
    ("301-relative", "http://a.test/robots.txt", 301, "/r/1", "http://a.test/r/1"),
    ("302-absolute", "http://a.test/x", 302, "https://b.test/y", "https://b.test/y"),
    ("303", "http://a.test/x", 303, "y", "http://a.test/y"),
    ("307", "http://a.test/x", 307, "/y?q=1", "http://a.test/y?q=1"),
    ("308", "http://a.test/x", 308, "/y", "http://a.test/y"),
    ("scheme-relative", "https://a.test/x", 301, "//c.test/z", "https://c.test/z"),
    ("fragment-dropped", "http://a.test/x", 301, "/y#top", "http://a.test/y"),
    ("whitespace", "http://a.test/x", 301, "  /y ", "http://a.test/y"),
    ("300-not-followed", "http://a.test/x", 300, "/y", None),
    ("304-not-followed", "http://a.test/x", 304, "/y", None),
    ("200", "http://a.test/x", 200, "/y", None),
    ("no-location", "http://a.test/x", 301, None, None),
    ("empty-location", "http://a.test/x", 301, "", None),
    ("ftp-target", "http://a.test/x", 301, "ftp://a.test/robots.txt", None),
    ("javascript-target", "http://a.test/x", 302, "javascript:alert(1)", None),
    ("malformed-target", "http://a.test/x", 302, "http://[::1/x", None),
]


@pytest.mark.parametrize(
    ("base", "status", "location", "expected"),
    [case[1:] for case in NEXT_HOP_CASES],
    ids=[case[0] for case in NEXT_HOP_CASES],
)
def test_next_hop(base: str, status: int, location: str | None, expected: str | None) -> None:
    assert next_hop(base, status, location, 0) == expected


def test_next_hop_does_not_enforce_the_limit_but_rejects_negative_hops() -> None:
    assert next_hop("http://a.test/", 301, "/b", MAX_REDIRECTS + 1) == "http://a.test/b"
    with pytest.raises(ValueError, match="hops"):
        next_hop("http://a.test/", 301, "/b", -1)


DATE = "Thu, 01 Jan 2026 00:00:00 GMT"
CACHE_CASES: list[tuple[str, Any, int, str]] = [
    ("nothing-said", {}, MAX_CACHE_SECONDS, "RFC 9309 2.4"),
    ("max-age", {"Cache-Control": "max-age=3600"}, 3600, "RFC 9111 5.2.2.1"),
    ("max-age-capped", {"Cache-Control": "max-age=999999"}, MAX_CACHE_SECONDS, "RFC 9309 2.4"),
    ("max-age-zero", {"Cache-Control": "max-age=0"}, 0, "RFC 9111 5.2.2.1"),
    ("with-others", {"Cache-Control": "public, max-age=60, must-revalidate"}, 60, "own"),
    ("quoted", {"Cache-Control": 'max-age="60"'}, 60, "RFC 9111 5.2 (lenient)"),
    ("name-case", {"cache-control": "Max-Age=60"}, 60, "RFC 9111 5.2"),
    ("no-store", {"Cache-Control": "no-store, max-age=600"}, 0, "RFC 9111 5.2.2.5"),
    ("no-cache", {"Cache-Control": "no-cache"}, 0, "RFC 9111 5.2.2.4"),
    ("no-cache-qualified", {"Cache-Control": 'no-cache="Set-Cookie"'}, 0, "own: re-read"),
    ("s-maxage-shorter", {"Cache-Control": "max-age=60, s-maxage=30"}, 30, "own: shorter"),
    ("s-maxage-longer", {"Cache-Control": "max-age=60, s-maxage=90"}, 60, "own: shorter"),
    ("invalid-max-age", {"Cache-Control": "max-age=soon"}, 0, "RFC 9111 4.2.1: stale"),
    ("negative-max-age", {"Cache-Control": "max-age=-5"}, 0, "RFC 9111 1.2.2"),
    ("age-subtracted", [("Cache-Control", "max-age=3600"), ("Age", "100")], 3500, "RFC 9111 4.2.3"),
    ("age-beyond", [("Cache-Control", "max-age=60"), ("Age", "100")], 0, "RFC 9111 4.2.3"),
    (
        "two-fields",
        [("Cache-Control", "public"), ("cache-control", "max-age=120")],
        120,
        "RFC 9110 5.3",
    ),
    (
        "expires-minus-date",
        {"Expires": "Thu, 01 Jan 2026 01:00:00 GMT", "Date": DATE},
        3600,
        "RFC 9111 4.2.1",
    ),
    ("expires-invalid", {"Expires": "0", "Date": DATE}, 0, "RFC 9111 5.3"),
    (
        "expires-past",
        {"Expires": "Wed, 31 Dec 2025 00:00:00 GMT", "Date": DATE},
        0,
        "RFC 9111 4.2.1",
    ),
    (
        "expires-without-date",
        {"Expires": "Thu, 01 Jan 2026 01:00:00 GMT"},
        MAX_CACHE_SECONDS,
        "own: no clock in policies/",
    ),
    (
        "max-age-beats-expires",
        {"Cache-Control": "max-age=10", "Expires": "Thu, 01 Jan 2026 01:00:00 GMT", "Date": DATE},
        10,
        "RFC 9111 5.3",
    ),
]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [(headers, expected) for _, headers, expected, _ in CACHE_CASES],
    ids=[case[0] for case in CACHE_CASES],
)
def test_cache_lifetime(headers: Any, expected: int) -> None:
    assert cache_lifetime(headers) == expected


SOURCE = "https://news.test/articles/1"
RSL = '<https://news.test/license.xml>; rel="license"; type="application/rsl+xml"'
ACCESS_CASES: list[tuple[str, int, Any, Permission | None, str]] = [
    ("402", 402, {}, Permission.LICENSE, "standards.md 9.1"),
    ("402-price", 402, {"crawler-price": "USD 0.02"}, Permission.LICENSE, "standards.md 9.1"),
    (
        "401-license",
        401,
        {"WWW-Authenticate": 'License error="invalid_token"'},
        Permission.LICENSE,
        "standards.md 6.4",
    ),
    (
        "401-license-among",
        401,
        {"WWW-Authenticate": 'Basic realm="x", License'},
        Permission.LICENSE,
        "standards.md 6.4",
    ),
    ("401-rsl-link", 401, {"Link": RSL}, Permission.LICENSE, "standards.md 6.4 recommendation"),
    ("403-license", 403, {"WWW-Authenticate": "License"}, Permission.LICENSE, "standards.md 6.4"),
    (
        "401-basic",
        401,
        {"WWW-Authenticate": 'Basic realm="members"'},
        Permission.DENY,
        "standards.md 12.3 step 1",
    ),
    ("401-licensed-lookalike", 401, {"WWW-Authenticate": "LicenseX"}, Permission.DENY, "own"),
    ("403", 403, {}, Permission.DENY, "standards.md 12.3 step 1"),
    ("200", 200, {"crawler-charged": "USD 0.01"}, None, "own"),
    ("404", 404, {}, None, "own"),
    ("429", 429, {}, None, "own: back-off, not an access control"),
]


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [case[1:4] for case in ACCESS_CASES],
    ids=[case[0] for case in ACCESS_CASES],
)
def test_page_access_permission(status: int, headers: Any, expected: Permission | None) -> None:
    statement = page_access(status, headers, source=SOURCE)
    if expected is None:
        assert statement is None
        return
    assert statement is not None
    assert statement.signal is Signal.HTTP_STATUS
    assert statement.location == f"status {status}"
    assert statement.source == SOURCE
    assert dict(statement.uses) == dict.fromkeys(Use, expected)
    assert (statement.offer is not None) is (expected is Permission.LICENSE)


def test_402_offer_carries_price_and_rsl_link() -> None:
    statement = page_access(402, [("crawler-price", "USD 0.02"), ("Link", RSL)], source=SOURCE)
    assert statement is not None
    assert statement.rule == "HTTP 402 Payment Required, crawler-price: USD 0.02"
    assert statement.offer == LicenseOffer(
        url="https://news.test/license.xml",
        payment="402",
        amount="USD 0.02",
        currency="USD",
        terms="https://news.test/license.xml",
        dialect="cloudflare-pay-per-crawl+rsl-license",
    )


def test_402_without_link_offers_the_resource_itself() -> None:
    statement = page_access(402, {}, source=SOURCE)
    assert statement is not None
    assert statement.rule == "HTTP 402 Payment Required"
    assert statement.offer == LicenseOffer(url=SOURCE, payment="402", dialect="unknown")


def test_403_is_an_access_control_never_bypassed() -> None:
    statement = page_access(403, {}, source=SOURCE)
    assert statement is not None
    assert statement.rule == "HTTP 403 Forbidden"
    assert "never bypass" in statement.note


def test_401_license_rule_quotes_the_challenge() -> None:
    statement = page_access(
        401, {"WWW-Authenticate": 'License error="invalid_token"'}, source=SOURCE
    )
    assert statement is not None
    assert (
        statement.rule == 'HTTP 401 Unauthorized, WWW-Authenticate: License error="invalid_token"'
    )
    assert statement.offer is not None
    assert statement.offer.url == SOURCE


RSL_LINK_CASES = [
    ("absolute", RSL, "https://news.test/license.xml"),
    (
        "relative",
        '</license.xml>; rel="license"; type="application/rsl+xml"',
        "https://news.test/license.xml",
    ),
    ("unquoted", "</l.xml>; rel=license; type=application/rsl+xml", "https://news.test/l.xml"),
    ("other-type", '</l.html>; rel="license"; type="text/html"', ""),
    ("other-rel", '</l.xml>; rel="next"; type="application/rsl+xml"', ""),
    (
        "second-of-two",
        '</a>; rel="next", </l.xml>; rel="license"; type="application/rsl+xml"',
        "https://news.test/l.xml",
    ),
    (
        "rel-list",
        '</l.xml>; rel="license copyright"; type="application/rsl+xml"',
        "https://news.test/l.xml",
    ),
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [case[1:] for case in RSL_LINK_CASES],
    ids=[case[0] for case in RSL_LINK_CASES],
)
def test_rsl_link(value: str, expected: str) -> None:
    assert rsl_link({"Link": value}, base=SOURCE) == expected


@pytest.mark.parametrize(
    ("status", "headers", "seconds"),
    [
        (503, (("Retry-After", "120"),), 120),
        (429, (("Retry-After", " 7 "),), 7),
        (
            503,
            (
                ("Retry-After", "Wed, 21 Oct 2026 07:30:00 GMT"),
                ("Date", "Wed, 21 Oct 2026 07:28:00 GMT"),
            ),
            120,
        ),
        (503, (("Retry-After", "Wed, 21 Oct 2026 07:30:00 GMT"),), None),  # no Date: no clock
        (503, (("Retry-After", "soon"),), None),
        (503, (("Retry-After", "999999999"),), 24 * 3600),
        (500, (("Retry-After", "120"),), None),
        (503, (), None),
    ],
    ids=["delta", "429", "date", "date-without-Date", "garbage", "capped", "not-429-503", "none"],
)
def test_retry_after(
    status: int, headers: tuple[tuple[str, str], ...], seconds: int | None
) -> None:
    from policies.fetching import retry_after

    # RFC 9110 section 10.2.3: delta-seconds or an HTTP-date.
    assert retry_after(status, headers) == seconds


def test_the_split_modules_are_still_importable_from_policies_fetching() -> None:
    """The status table, redirects, freshness and page access have their own modules; the old
    names resolve to the very same objects, for callers not yet moved."""
    moved = {
        "status_meaning": statuses,
        "STATUS_MEANINGS": statuses,
        "Availability": statuses,
        "next_hop": redirects,
        "MAX_REDIRECTS": redirects,
        "cache_lifetime": freshness,
        "retry_after": freshness,
        "page_access": page_access_module,
        "page_failure": page_access_module,
        "rsl_link": page_access_module,
    }
    for name, module in moved.items():
        assert name in fetching.__all__
        assert getattr(fetching, name) is getattr(module, name), name
    assert all(hasattr(fetching, name) for name in fetching.__all__)
