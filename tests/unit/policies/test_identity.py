"""Identification: the claimed agent, its verification level, and when a claim is spoofed."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.identity import (
    IpRanges,
    RangeSnapshot,
    SignatureAgent,
    Verification,
    WebBotAuthResult,
    identify,
    parse_address,
)

GPTBOT_UA = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.1; +https://openai.com/gptbot"


def _snap(
    name: str, agents: tuple[str, ...], prefixes: tuple[str, ...], *, placeholder: bool = False
) -> RangeSnapshot:
    return RangeSnapshot(
        name=name,
        vendor="test",
        agents=agents,
        source=f"https://vendor.example/{name}.json",
        retrieved="2026-12-01",
        creation_time="",
        placeholder=placeholder,
        prefixes=tuple(ipaddress.ip_network(p) for p in prefixes),
    )


RANGES = IpRanges.prepare(
    [
        _snap("gptbot", ("GPTBot",), ("192.0.2.0/28", "192.0.2.16/28", "2001:db8:1::/48")),
        _snap("googlebot", ("Googlebot",), ("198.51.100.0/27",)),
        _snap("ccbot", ("CCBot",), ("203.0.113.0/28",), placeholder=True),
    ]
)


def _signature(url: str, *, valid: bool = True) -> WebBotAuthResult:
    agent = SignatureAgent(label="sig1", url=url, directory_url=url + "/x", legacy=False)
    return WebBotAuthResult(
        valid=valid, reason="verified" if valid else "expired", agent=agent, keyid="k"
    )


def test_in_range_is_ip_range_verified() -> None:
    found = identify(user_agent=GPTBOT_UA, client_ip="192.0.2.20", ranges=RANGES)
    assert found.token == "GPTBot"
    assert found.verification is Verification.IP_RANGE
    assert "192.0.2.0/27" in found.evidence  # adjacent /28s collapsed into one interval
    assert not found.spoofed


def test_ipv6_and_ipv4_mapped_addresses() -> None:
    assert (
        identify(user_agent="GPTBot", client_ip="2001:db8:1::5", ranges=RANGES).level == "ip-range"
    )
    assert (
        identify(user_agent="GPTBot", client_ip="::ffff:192.0.2.1", ranges=RANGES).level
        == "ip-range"
    )
    assert (
        identify(user_agent="GPTBot", client_ip="[2001:db8:1::5]", ranges=RANGES).level
        == "ip-range"
    )


def test_outside_real_ranges_is_spoofed() -> None:
    found = identify(user_agent=GPTBOT_UA, client_ip="10.1.2.3", ranges=RANGES)
    assert found.verification is Verification.UNVERIFIED
    assert found.spoofed
    assert found.level == "spoofed"


def test_fallback_uses_its_parents_ranges() -> None:
    """Googlebot-Image has no file of its own: it crawls from Googlebot's addresses."""
    ua = "Googlebot-Image/1.0"
    assert identify(user_agent=ua, client_ip="198.51.100.3", ranges=RANGES).level == "ip-range"
    assert identify(user_agent=ua, client_ip="192.0.2.3", ranges=RANGES).spoofed


def test_placeholder_ranges_never_accuse() -> None:
    found = identify(
        user_agent="CCBot/2.0 (https://commoncrawl.org/faq/)", client_ip="10.0.0.1", ranges=RANGES
    )
    assert found.verification is Verification.UNVERIFIED
    assert not found.spoofed
    assert "placeholder" in found.evidence


def test_agent_without_shipped_ranges_is_unverified_not_spoofed() -> None:
    found = identify(user_agent="ClaudeBot/1.0", client_ip="10.0.0.1", ranges=RANGES)
    assert (found.token, found.level) == ("ClaudeBot", "unverified")


def test_unknown_client() -> None:
    found = identify(
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
        client_ip="10.0.0.1",
        ranges=RANGES,
    )
    assert found.agent is None
    assert found.level == "unverified"


def test_signature_from_the_listed_signer_verifies_the_claim() -> None:
    found = identify(
        user_agent="Mozilla/5.0 ChatGPT Agent",
        client_ip="10.0.0.1",
        ranges=RANGES,
        signature=_signature("https://chatgpt.com"),
    )
    assert found.token == "ChatGPT Agent"
    assert found.verification is Verification.SIGNATURE
    assert found.signer == "https://chatgpt.com"


def test_signature_from_another_signer_does_not_verify_a_claim() -> None:
    """Anyone can sign; a valid signature proves the signer, not the GPTBot in the User-Agent."""
    found = identify(
        user_agent=GPTBOT_UA,
        client_ip="10.0.0.1",
        ranges=RANGES,
        signature=_signature("https://evil.example"),
    )
    assert found.verification is Verification.UNVERIFIED
    assert found.spoofed
    assert found.signer == "https://evil.example"


def test_signed_unknown_client_is_identified_by_its_signer() -> None:
    found = identify(
        user_agent="SomeNewBot/1.0",
        client_ip="10.0.0.1",
        ranges=RANGES,
        signature=_signature("https://new.example"),
    )
    assert found.agent is None
    assert found.verification is Verification.SIGNATURE


def test_invalid_signature_is_ignored() -> None:
    found = identify(
        user_agent=GPTBOT_UA,
        client_ip="192.0.2.1",
        ranges=RANGES,
        signature=_signature("https://x", valid=False),
    )
    assert found.verification is Verification.IP_RANGE
    assert found.signer is None


def test_two_snapshots_for_one_agent_is_an_error() -> None:
    with pytest.raises(ValueError, match="two range snapshots"):
        IpRanges.prepare(
            [
                _snap("a", ("GPTBot",), ("192.0.2.0/28",)),
                _snap("b", ("gptbot",), ("192.0.2.16/28",)),
            ]
        )


@given(st.text(max_size=60))
def test_any_address_text_is_total(text: str) -> None:
    parse_address(text)
    assert identify(user_agent="GPTBot", client_ip=text, ranges=RANGES).token == "GPTBot"


@given(st.ip_addresses())
def test_lookup_agrees_with_ipaddress(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    snap = RANGES.snapshot_for("GPTBot")
    assert snap is not None
    expected = any(ip in net for net in snap.prefixes if net.version == ip.version)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        expected = any(ip.ipv4_mapped in net for net in snap.prefixes if net.version == 4)
    match = RANGES.lookup("GPTBot", str(ip))
    assert match is not None
    assert (match.network is not None) == expected


def test_a_browser_user_agent_signed_by_a_listed_signer_is_that_agent() -> None:
    found = identify(
        user_agent="Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
        client_ip="10.0.0.1",
        ranges=RANGES,
        signature=_signature("https://chatgpt.com/"),
    )
    assert found.token == "ChatGPT Agent"
    assert found.level == "signature"


def test_a_placeholder_snapshot_verifies_no_one() -> None:
    # Placeholder ranges are documentation prefixes, not the vendor's: an address in them proves
    # nothing, and an address outside them refutes nothing.
    inside = identify(user_agent="CCBot/2.0", client_ip="203.0.113.5", ranges=RANGES)
    assert inside.verification is Verification.UNVERIFIED
    assert not inside.spoofed
    assert "placeholder" in inside.evidence
