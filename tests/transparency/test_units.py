"""Table-driven unit tests of the pieces the reports share (no servers, no subprocesses)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from heedful.crawler.transparency import charts
from heedful.crawler.transparency.credits import credits
from heedful.crawler.transparency.domains import registrable_domain
from heedful.crawler.transparency.eusummary import eu_summary, top_domains
from heedful.crawler.transparency.ledgerdata import LedgerData, deciding_reason
from heedful.crawler.transparency.warcrecords import Locations


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.bbc.co.uk", "bbc.co.uk"),  # own: multi-label public suffix
        ("a.b.example.com", "example.com"),  # own
        ("EXAMPLE.com.", "example.com"),  # own: case and trailing dot
        ("127.0.0.1", "127.0.0.1"),  # brief: an IP is its own domain
        ("[::1]", "::1"),  # own: IPv6 literal
        ("localhost", "localhost"),  # own: no public suffix
        ("", ""),  # own
    ],
    ids=["co-uk", "subdomains", "case-dot", "ipv4", "ipv6", "localhost", "empty"],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


DENY = {"signal": "robots.txt", "effect": "access deny"}
ALLOW_ACCESS = {"signal": "robots.txt", "effect": "access allow"}
TDM_DENY = {"signal": "tdmrep", "effect": "deny"}
DEFAULT_ALLOW = {"signal": "default", "effect": "default allow"}
RSL_LICENSE = {"signal": "rsl", "effect": "license"}


@pytest.mark.parametrize(
    ("reasons", "refused", "expected"),
    [
        ([DENY], True, ("robots.txt", "robots.txt access deny")),  # own
        ([ALLOW_ACCESS, TDM_DENY], True, ("tdmrep", "tdmrep deny")),  # access allow does not decide
        ([ALLOW_ACCESS, DEFAULT_ALLOW], False, ("default", "default allow")),  # no doubled label
        ([], True, ("error", "error")),  # crawler.evidence.refusal_reason: no decision
        ([ALLOW_ACCESS], False, ("other", "other")),  # own
        ([ALLOW_ACCESS, RSL_LICENSE], False, ("rsl", "rsl license")),  # kept under licence
        ([RSL_LICENSE, DEFAULT_ALLOW], False, ("default", "default allow")),  # a permit first
        ([RSL_LICENSE], True, ("rsl", "rsl license")),  # refused: no licence bought
    ],
    ids=[
        "access-deny",
        "first-refusing",
        "default-allow",
        "no-reasons",
        "no-permitting",
        "licensed",
        "permit-before-licence",
        "licence-refused",
    ],
)
def test_deciding_reason(reasons: list[dict[str, str]], refused: bool, expected: Any) -> None:
    assert deciding_reason(reasons, refused=refused) == expected


def _domains(*sizes: int) -> list[dict[str, Any]]:
    return [
        {"domain": f"d{i}.example", "kept": 1 if size else 0, "kept_bytes": size}
        for i, size in enumerate(sizes)
    ]


@pytest.mark.parametrize(
    ("sizes", "share", "expected"),
    [
        ((5, 50, 10), 0.10, ["d1.example"]),  # EU template: top 10%, at least one
        (tuple(range(1, 21)), 0.10, ["d19.example", "d18.example"]),  # 10% of 20
        ((1,) * 11, 0.10, ["d0.example", "d1.example"]),  # rounded up; ties by name
        ((0, 0, 7), 1.0, ["d2.example"]),  # domains without content are not counted
        ((), 0.10, []),  # own
    ],
    ids=["min-one", "ten-percent", "round-up", "no-content", "empty"],
)
def test_top_domains(sizes: tuple[int, ...], share: float, expected: list[str]) -> None:
    assert [d["domain"] for d in top_domains(_domains(*sizes), share)] == expected


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5], ids=["zero", "negative", "over-one"])
def test_eu_summary_rejects_bad_shares(share: float) -> None:
    with pytest.raises(ValueError, match="top share"):
        eu_summary({}, top_share=share)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("heedful-1-2-00001.warc.gz", "heedful-1-2-00001-purged-abcdefabcdef.warc.gz"),
        (
            "heedful-1-2-00001-purged-000000000000.warc.gz",
            "heedful-1-2-00001-purged-abcdefabcdef.warc.gz",
        ),
    ],
    ids=["first", "again"],
)
def test_new_name(old: str, new: str) -> None:
    from heedful.crawler.transparency.purge import new_name  # imports the ledger's tables

    assert new_name(old, "abcdefabcdef0123") == new


def test_locations_follow_every_purge() -> None:
    moves = [
        {"old_file": "a", "old_offset": 10, "new_file": "b", "new_offset": 5},
        {"old_file": "b", "old_offset": 5, "new_file": "c", "new_offset": 0},
    ]
    assert Locations(moves).current("a", 10) == ("c", 0)
    assert Locations(moves).current("a", 11) == ("a", 11)


def _kept(url: str, offset: int, **extra: Any) -> dict[str, Any]:
    row = {
        "event": "crawl",
        "status": "kept",
        "url": url,
        "crawl_id": "c1",
        "sha256": "s",
        "warc_file": "w.warc.gz",
        "warc_offset": offset,
        "license": [],
        "attribution": {},
    }
    row.update(extra)
    return row


def test_credits_precedence_and_exclusions() -> None:
    events = [
        _kept("https://a.example/1", 1, attribution={"author": "Ann", "rights_holder": "Co"}),
        _kept("https://a.example/2", 2, attribution={"rights_holder": "Co"}),
        _kept("https://b.example/3", 3, license=[{"url": "https://b.example/l", "copyright": "B"}]),
        _kept("https://www.c.co.uk/4", 4),
        _kept("https://a.example/5", 5, attribution={"author": "Ann"}),
        {**_kept("https://a.example/5", 5), "event": "recheck", "status": "withdrawn"},
    ]
    result = credits(LedgerData(crawls=[], events=events))
    by_name = {c["creator"]: c for c in result["creators"]}
    assert sorted(by_name) == ["Ann", "B", "Co"]
    assert [w["url"] for w in by_name["Ann"]["works"]] == ["https://a.example/1"]
    assert by_name["B"]["works"][0]["attribution"] == "B"
    assert by_name["B"]["works"][0]["licence"] == ["https://b.example/l"]
    assert result["unattributed"] == {
        "count": 1,
        "by_domain": {
            "c.co.uk": [
                {
                    "url": "https://www.c.co.uk/4",
                    "licence": [],
                    "attribution": "",
                    "attribution_required": False,
                    "duties": [],
                    "licensed_under": {},
                    "sha256": "s",
                    "crawl_id": "c1",
                }
            ]
        },
    }
    assert result["not_credited_withdrawn_or_purged"] == 1


def test_chart_ids_are_prefixed_and_local() -> None:
    svg = charts.hbar("chart-x", "Title", {"a": 3, "b": 1})
    assert svg.startswith("<svg ")
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids
    assert all(i.startswith("chart-x-") for i in ids)
    refs = re.findall(r"url\(#([^)]+)\)", svg)
    assert all(r in ids for r in refs)
    assert "http://www.w3.org" in svg  # namespaces only
    assert not re.search(r'href="(?!#)', svg)
