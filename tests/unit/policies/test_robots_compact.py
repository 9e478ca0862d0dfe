"""``[site] robots-txt = "compact"``: one group per set of rules, read exactly like the full file."""

from __future__ import annotations

from pathlib import Path

import pytest

from heedful.policies.errors import PolicyFormatError
from heedful.policies.signals.robots.document import parse_robots
from heedful.policies.signals.robots.training import TRAINING_PREFERENCE_TOKEN
from heedful.policies.sitepolicy import load_site_policy, render_site
from heedful.policies.sitepolicy.files import robots_txt
from heedful.policies.sitepolicy.resolve import index_of
from tests.helpers.robots_compact import compact_differences

EXAMPLES = sorted((Path(__file__).resolve().parents[3] / "examples").glob("*.toml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_compact_reads_like_full(example: Path) -> None:
    policy = load_site_policy(example.read_bytes(), filename=example.name)
    assert compact_differences(policy) == []
    index = index_of(policy)
    full = robots_txt(index, "1", "", compact=False)
    compact = robots_txt(index, "1", "", compact=True)
    full_robots, compact_robots = parse_robots(full).value, parse_robots(compact).value
    assert set(compact_robots.named_agents()) == set(full_robots.named_agents())
    assert len(compact) < len(full) / 2
    # Each set of lines is written once.
    bodies = [
        "\n".join(line for line in block.splitlines() if not line.startswith("User-agent:"))
        for block in compact.split("\n\n")
        if block.startswith("User-agent:")
    ]
    assert len(bodies) == len(set(bodies))
    assert len(bodies) < full.count("\n\nUser-agent:")


NEWS = b"""
[site]
name = "S"
url = "https://e.example"
contact = "a@e.example"
robots-txt = "compact"
[defaults]
search = "allow"
ai-input = "allow"
ai-train = "deny"
tdm = "allow"
[[agents]]
agent = "GPTBot"
access = "deny"
[[agents]]
agent = "Bytespider"
access = "deny"
"""


def test_policy_option_renders_compact() -> None:
    policy = load_site_policy(NEWS)
    text = render_site(policy, version="1").robots_txt
    assert compact_differences(policy) == []
    # GPTBot and Bytespider share one group; everyone else shares the * group. The shared
    # training-preference token gets its own group besides (it names no crawler).
    token = f"User-agent: {TRAINING_PREFERENCE_TOKEN}\n"
    blocks = [
        b for b in text.split("\n\n") if b.startswith("User-agent:") and not b.startswith(token)
    ]
    assert len(blocks) == 2
    assert text.count(token) == 1
    assert "User-agent: GPTBot\nUser-agent: Bytespider\nContent-Signal:" in text
    assert blocks[0].startswith("User-agent: *\nUser-agent: OAI-SearchBot\n")
    default = render_site(policy.model_copy(update={"site": policy.site.model_copy(
        update={"robots_txt": "full"})}), version="1").robots_txt  # fmt: skip
    assert default.count("\n\nUser-agent:") > 50


def test_option_is_checked() -> None:
    with pytest.raises(PolicyFormatError, match="robots-txt"):
        load_site_policy(NEWS.replace(b'"compact"', b'"tiny"'))
