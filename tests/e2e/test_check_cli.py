"""``heedful check`` end to end: a real subprocess against the demo sites on 127.0.0.1.

Each fixture site of issue 2 section 8 gets its verdict, its reason and its exit status checked;
the sites' access logs prove what the checker did and did not fetch.
"""

from __future__ import annotations

import socket

import pytest

from heedful.cli.main import COMMANDS
from tests.e2e.conftest import heedful, requested
from tests.helpers.servers import DemoProcess

pytestmark = pytest.mark.e2e

CASES = [
    # site, path, use, verdict, exit status, (signal, rule fragment) of a reason
    ("allow-all", "/articles/1", "ai-train", "allow", 0, ("content-signal", "ai-train=yes")),
    ("optout-robots", "/articles/1", "ai-train", "deny", 3, ("robots.txt", "Disallow: /")),
    ("tdmrep-reserved", "/articles/1", "ai-train", "license", 4, ("tdmrep", "tdm-policy")),
    ("tdmrep-reserved", "/open/", "ai-train", "allow", 0, ("tdmrep", "tdm-reservation: 0")),
    ("content-usage", "/articles/1", "ai-train", "deny", 3, ("content-usage", "train-ai=n")),
    ("content-usage", "/articles/1", "search", "allow", 0, ("content-usage", "search=y")),
    ("rsl-paid", "/articles/1", "ai-train", "license", 4, ("rsl", "ai-train")),
    ("rsl-paid", "/articles/1", "search", "allow", 0, ("rsl", "search")),
    ("rsl-paid", "/paywalled", "search", "license", 4, ("http-status", "402")),
    ("noai-meta", "/articles/1", "ai-train", "deny", 3, ("robots-tag", "noai")),
    ("robots-5xx", "/articles/1", "search", "deny", 3, ("robots.txt", "503")),
    ("soft404-aitxt", "/articles/1", "ai-train", "allow", 0, ("default", "no statement")),
    ("aitxt-images", "/images/photo.jpg", "ai-train", "deny", 3, ("ai.txt", "*.jpg")),
    ("oversize-robots", "/secret", "search", "allow", 0, ("robots.txt", "")),
    ("removals", "/articles/2", "search", "deny", 3, ("removals", "/articles/2")),
    ("removals", "/articles/1", "search", "allow", 0, ("default", "no statement")),
    ("redirect-chain", "/articles/1", "search", "deny", 3, ("robots.txt", "redirect")),
    # issue 16 section 3: files that cannot be read and pages that do not answer.
    ("tdmrep-oversize", "/articles/1", "ai-train", "deny", 3, ("tdmrep", '"location":"/*"')),
    ("tdmrep-oversize", "/articles/1", "search", "allow", 0, ("default", "no statement")),
    ("tdmrep-broken", "/articles/1", "ai-train", "unknown", 8, ("tdmrep", "not an array")),
    ("tdmrep-broken", "/articles/1", "search", "allow", 0, ("default", "no statement")),
    ("tdmrep-cut", "/articles/1", "ai-train", "deny", 3, ("tdmrep", "/articles/*")),
    ("tdmrep-cut", "/open/", "ai-train", "unknown", 8, ("tdmrep", "cut off after")),
    ("page-errors", "/gone", "search", "failed", 7, ("http-status", "answered 404")),
    ("page-errors", "/busy", "search", "failed", 7, ("http-status", "answered 503")),
    ("page-errors", "/articles/1", "search", "allow", 0, ("default", "no statement")),
]


@pytest.mark.parametrize(
    ("site", "path", "use", "verdict", "status", "reason"),
    CASES,
    ids=[f"{c[0]}{c[1]}-{c[2]}" for c in CASES],
)
def test_fixture_site_verdict(
    sites: DemoProcess,
    site: str,
    path: str,
    use: str,
    verdict: str,
    status: int,
    reason: tuple[str, str],
) -> None:
    url = sites.urls[site] + path
    run = heedful("check", url, "--use", use, "--json", "--timeout", "5")
    assert run.code == status, run.err
    (decision,) = run.json_lines()
    assert (decision["url"], decision["use"], decision["verdict"]) == (url, use, verdict)
    assert set(decision) >= {"url", "agent", "use", "mode", "verdict", "access", "uses", "reasons"}
    signal, fragment = reason
    assert any(r["signal"] == signal and fragment in r["rule"] for r in decision["reasons"]), (
        decision["reasons"]
    )
    for r in decision["reasons"]:
        assert set(r) >= {"signal", "source", "location", "rule", "effect"}


def test_denied_page_is_never_fetched(sites: DemoProcess) -> None:
    run = heedful("check", sites.urls["optout-robots"] + "/articles/2", "--json")
    assert run.code == 3
    assert "/articles/2" not in requested(sites, "optout-robots")
    assert "/robots.txt" in requested(sites, "optout-robots")


def test_urls_of_one_origin_share_its_files_and_keep_their_order(sites: DemoProcess) -> None:
    base = sites.urls["content-usage"]
    before = requested(sites, "content-usage").count("/robots.txt")
    urls = [base + "/articles/2", base + "/ok/", base + "/articles/1"]
    run = heedful("check", *urls, "--use", "ai-train", "--json")
    lines = run.json_lines()
    assert [d["url"] for d in lines] == urls
    assert [d["verdict"] for d in lines] == ["deny", "deny", "deny"]
    assert run.code == 3
    assert requested(sites, "content-usage").count("/robots.txt") == before + 1


def test_consent_mode_denies_silence(sites: DemoProcess) -> None:
    url = sites.urls["soft404-aitxt"] + "/articles/1"
    run = heedful("check", url, "--use", "ai-train", "--mode", "consent", "--json")
    (decision,) = run.json_lines()
    assert (decision["verdict"], run.code) == ("deny", 3)
    assert decision["reasons"][-1]["effect"] == "default deny"


def test_stalled_robots_txt_times_out_and_is_failed(sites: DemoProcess) -> None:
    run = heedful("check", sites.urls["hostile"] + "/", "--timeout", "1", "--json")
    (decision,) = run.json_lines()
    assert (decision["verdict"], decision["access"], run.code) == ("failed", "failed", 7)
    assert "timed out" in decision["reasons"][0]["rule"]
    assert "status" not in decision


def test_a_dead_port_is_failed_with_its_reason() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more: the connection is refused.
    run = heedful("check", f"http://127.0.0.1:{port}/articles/1", "--json", "--timeout", "5")
    (decision,) = run.json_lines()
    assert (decision["verdict"], run.code) == ("failed", 7), run.err
    assert "could not be fetched" in decision["reasons"][0]["rule"]
    human = heedful("check", f"http://127.0.0.1:{port}/articles/1", "--timeout", "5")
    assert human.code == 7
    assert "FAILED" in human.out
    assert "access deny" not in human.out


def test_a_page_status_is_in_the_json(sites: DemoProcess) -> None:
    run = heedful("check", sites.urls["page-errors"] + "/gone", "--json")
    (decision,) = run.json_lines()
    assert decision["status"] == 404
    ok = heedful("check", sites.urls["page-errors"] + "/articles/1", "--json")
    assert ok.json_lines()[0]["status"] == 200


def test_failed_goes_before_unknown_and_unknown_before_denied(sites: DemoProcess) -> None:
    denied = sites.urls["tdmrep-oversize"] + "/articles/1"
    unknown = sites.urls["tdmrep-broken"] + "/articles/1"
    failed = sites.urls["page-errors"] + "/gone"
    assert heedful("check", denied, unknown, "--use", "ai-train").code == 8
    assert heedful("check", denied, unknown, failed, "--use", "ai-train").code == 7


def test_oversize_tdmrep_is_read_up_to_its_limit_and_says_so(sites: DemoProcess) -> None:
    run = heedful("check", sites.urls["tdmrep-oversize"] + "/articles/1", "--use", "ai-train")
    assert run.code == 3
    assert "rules read whole" in run.out
    assert "512000" in run.out


def test_agents_all_gives_the_matrix(sites: DemoProcess) -> None:
    url = sites.urls["optout-robots"] + "/articles/1"
    run = heedful("check", url, "--agents", "all", "--json")
    lines = run.json_lines()
    agents = {d["agent"] for d in lines}
    assert {"GPTBot", "ClaudeBot", "CCBot"} <= agents
    assert len(lines) == len(agents) * 5
    verdicts = {(d["agent"], d["use"]): d["verdict"] for d in lines}
    assert verdicts["GPTBot", "search"] == "deny"
    assert verdicts["Bingbot", "search"] == "allow"
    assert run.code == 3


def test_human_output_names_the_rule(sites: DemoProcess) -> None:
    run = heedful("check", sites.urls["optout-robots"] + "/articles/1")
    assert run.code == 3
    assert "DENY" in run.out
    assert "Disallow: /" in run.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Missing argument"),
        (("ftp://example.com/x",), "not an absolute http(s) URL"),
        (("http://127.0.0.1:1/", "--use", "bogus"), "Invalid value"),
        (("http://127.0.0.1:1/", "--timeout", "-1"), "Invalid value"),
    ],
    ids=["no-url", "bad-scheme", "bad-use", "bad-timeout"],
)
def test_bad_usage_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    run = heedful("check", *args)
    assert run.code == 2
    assert message in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert "Traceback" not in run.err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_has_help(command: str) -> None:
    run = heedful(command, "--help")
    assert run.code == 0, run.err
    assert "Usage:" in run.out


def test_each_offer_says_whether_a_budget_covers_it(sites: DemoProcess) -> None:
    url = sites.urls["rsl-paid"] + "/articles/1"
    run = heedful("check", url, "--use", "ai-train", "--json", "--budget", "USD 5.00")
    assert run.code == 4, run.err
    (decision,) = run.json_lines()
    offers = decision["offers"]
    assert offers
    assert all(o["use"] == "ai-train" for o in offers)
    priced = [o for o in offers if o.get("amount") == "USD 0.01"]
    assert priced
    assert priced[0]["budget"] == {
        "covered": True,
        "reason": "USD 0.01 is within the budget of USD 5.00",
    }
    tight = heedful(
        "check", url, "--use", "ai-train", "--json", "--budget", "USD 5", "--max-price", "USD 0.005"
    )
    (other,) = tight.json_lines()
    priced = [o for o in other["offers"] if o.get("amount") == "USD 0.01"]
    assert priced[0]["budget"]["covered"] is False
    assert "max price" in priced[0]["budget"]["reason"]
    human = heedful("check", url, "--use", "ai-train", "--budget", "EUR 5")
    assert "not covered: priced in USD, the budget is in EUR" in human.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--budget", "five dollars"), "is not '<ISO 4217"),
        (("--max-price", "USD 1"), "needs --budget"),
    ],
)
def test_budget_options_are_checked(args: tuple[str, ...], message: str) -> None:
    run = heedful("check", "http://127.0.0.1:9/", *args)
    assert run.code == 2
    assert message in run.err
