"""heedful.policies.audit.served: comparing what each agent probe was served (docs/audit.md, HF401-HF404)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.audit.served import (
    ProbeClass,
    Served,
    managed_robots_findings,
    page_signals,
    probe_user_agent,
    served_findings,
)
from heedful.policies.signals.read import SignalFile

ROBOTS = "https://pub.example/robots.txt"
PAGE = "https://pub.example/a"


def _served(
    label: str, robots: bytes, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
) -> Served:
    return Served(
        label=label,
        user_agent=label,
        robots=SignalFile(url=ROBOTS, status=200, body=robots),
        pages=(SignalFile(url=PAGE, status=status, headers=headers, body=b"<p>x</p>"),),
    )


def test_identical_answers_make_no_finding() -> None:
    same = [_served(str(c), b"User-agent: *\nAllow: /\n") for c in ProbeClass]
    assert served_findings(same) == []


def test_a_robots_txt_per_user_agent_is_reported_with_each_version() -> None:
    found = served_findings([_served("search", b"A"), _served("GPTBot", b"B")])
    (finding,) = [f for f in found if f.rule == "HF401"]
    assert "search: 200 sha256:" in finding.message
    assert "GPTBot: 200 sha256:" in finding.message


def test_a_signal_header_for_one_class_only() -> None:
    header = (("Content-Signal", "ai-train=no"),)
    found = served_findings([_served("browser", b"A", headers=header), _served("search", b"A")])
    (finding,) = [f for f in found if f.rule == "HF403"]
    assert finding.agents == ("browser",)
    assert "not to search" in finding.message


def test_a_403_for_one_class_is_an_enforced_control() -> None:
    found = served_findings([_served("training", b"A", status=403), _served("search", b"A")])
    (finding,) = [f for f in found if f.rule == "HF402"]
    assert finding.severity.value == "info"


def test_managed_block_that_disagrees_with_the_origin_group() -> None:
    text = (
        b"# BEGIN Cloudflare Managed content\nUser-agent: ClaudeBot\nDisallow: /\n"
        b"# END Cloudflare Managed Content\nUser-agent: ClaudeBot\nAllow: /\n"
    )
    found = managed_robots_findings(SignalFile(url=ROBOTS, status=200, body=text))
    assert [(f.rule, f.severity.value) for f in found] == [("HF404", "info"), ("HF404", "warning")]
    assert found[1].agents == ("ClaudeBot",)
    agreeing = text.replace(b"Allow: /\n", b"Disallow: /\n")
    assert len(managed_robots_findings(SignalFile(url=ROBOTS, status=200, body=agreeing))) == 1


def test_probes_name_heedful_and_their_class() -> None:
    agent = probe_user_agent(ProbeClass.SEARCH, "https://x.example/probe")
    assert "HeedfulBot-Probe-Search/0.1" in agent
    assert "audit probe for a search engine crawler" in agent
    assert "GPTBot/1.0" in probe_user_agent("GPTBot", "https://x.example/probe")


@given(
    st.binary(max_size=300),
    st.lists(st.tuples(st.text(max_size=20), st.text(max_size=40)), max_size=4),
)
def test_comparing_never_raises(body: bytes, headers: list[tuple[str, str]]) -> None:
    page = SignalFile(url=PAGE, status=200, headers=tuple(headers), body=body)
    page_signals(page)
    managed_robots_findings(
        SignalFile(url=ROBOTS, status=200, body=b"# BEGIN X Managed content\n" + body)
    )
