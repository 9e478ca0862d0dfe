"""Lint of the shipped IP range snapshots (``policies/data/ranges``) against the catalogue."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from heedful.policies.agents import find_agent
from heedful.policies.identity.ranges import (
    RANGES_DIR,
    IpRanges,
    RangeFileError,
    bundled_snapshots,
    is_snapshot_name,
    parse_prefixes,
    refreshed,
)

SNAPSHOTS = bundled_snapshots()


def test_there_are_snapshots_for_the_main_vendors() -> None:
    vendors = {snap.vendor for snap in SNAPSHOTS}
    assert {"OpenAI", "Google", "Microsoft", "Perplexity", "Common Crawl Foundation"} <= vendors


@pytest.mark.parametrize("snap", SNAPSHOTS, ids=[s.name for s in SNAPSHOTS])
def test_snapshot_is_sound(snap) -> None:
    assert is_snapshot_name(snap.name)
    assert snap.prefixes, "every snapshot has prefixes (parsed strictly: no host bits)"
    assert snap.retrieved[:2] == "20"
    assert snap.source.startswith("https://")
    for token in snap.agents:
        agent = find_agent(token)
        assert agent is not None, f"{token} is not in policies/data/agents.json"
        assert agent.token == token, "snapshots name agents by their catalogue token"
        assert not agent.control_only, "a control token never sends requests"
        assert agent.operator == snap.vendor or snap.vendor in agent.operator, token
    if snap.placeholder:
        assert "PLACEHOLDER" in snap.note
        docs = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
        import ipaddress

        doc_nets = [ipaddress.ip_network(d) for d in docs]
        for net in snap.prefixes:
            assert any(net.subnet_of(d) for d in doc_nets if d.version == net.version), net  # type: ignore[arg-type]


def test_bundled_prepares_without_overlap_of_agents() -> None:
    ranges = IpRanges.bundled()
    assert ranges.snapshot_for("GPTBot") is not None
    assert ranges.snapshot_for("ClaudeBot") is None


def test_files_are_in_the_vendors_shape() -> None:
    folder = resources.files("heedful.policies").joinpath(RANGES_DIR)
    for path in folder.iterdir():
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data["ranges"]) <= {"creationTime", "prefixes"}
        for entry in data["ranges"]["prefixes"]:
            assert len(entry) == 1
            assert next(iter(entry)) in ("ipv4Prefix", "ipv6Prefix")


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"prefixes": []},
        {"prefixes": [{"ipv4Prefix": "192.0.2.1/24"}]},
        {"prefixes": [{"ipv4Prefix": "2001:db8::/32"}]},
        {"prefixes": [{"ipv6Prefix": "nonsense"}]},
        {"prefixes": [{"ipv4Prefix": "192.0.2.0/24", "ipv6Prefix": "2001:db8::/32"}]},
        {"prefixes": [{"ipv4Prefix": 3}]},
        {"prefixes": [{}], "creationTime": 5},
    ],
)
def test_bad_vendor_files_are_refused(bad: object) -> None:
    with pytest.raises(RangeFileError):
        parse_prefixes(bad)


def test_refreshed_keeps_metadata_and_clears_placeholder() -> None:
    old = (
        resources.files("heedful.policies")
        .joinpath(RANGES_DIR, "openai-gptbot.json")
        .read_text(encoding="utf-8")
    )
    vendor = b'{"creationTime": "2026-12-06T10:00:00", "prefixes": [{"ipv4Prefix": "20.0.0.0/24"}]}'
    new = json.loads(refreshed(old, vendor, retrieved="2026-12-07"))
    assert new["placeholder"] is False
    assert new["retrieved"] == "2026-12-07"
    assert new["agents"] == ["GPTBot"]
    assert new["ranges"]["prefixes"] == [{"ipv4Prefix": "20.0.0.0/24"}]
    with pytest.raises(RangeFileError):
        refreshed(old, b"{}", retrieved="2026-12-07")
