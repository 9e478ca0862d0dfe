"""Lint of the shipped catalogue ``policies/data/agents.json`` (a bad entry is a bug here)."""

from __future__ import annotations

import fnmatch
import json
import tomllib
from importlib import resources
from pathlib import Path

from heedful.policies.agents import (
    DATA_FILE,
    HEEDFUL_TOKEN,
    find_agent,
    known_agents,
    published_agents,
)
from heedful.policies.signals.robots.product_names import is_product_name, name_key

ROOT = Path(__file__).resolve().parents[3]
LIST_SOURCE = (
    "https://github.com/ai-robots-txt/ai.robots.txt/blob/"
    "738c80df2169027ce0e07c9976fd3f2f57dd8f7b/robots.json"
)


def _raw() -> list[dict[str, object]]:
    text = resources.files("heedful.policies").joinpath(DATA_FILE).read_text(encoding="utf-8")
    entries: list[dict[str, object]] = json.loads(text)["agents"]
    return entries


def test_every_entry_has_a_source() -> None:
    for agent in known_agents():
        if agent.token == HEEDFUL_TOKEN:
            assert (ROOT / agent.source).is_file(), agent.source
        elif agent.documented:
            # The operator's own page, not a list and not a digest of the standards.
            assert agent.source.startswith("https://"), agent.token
            assert "ai.robots.txt" not in agent.source
            assert "standards.md" not in agent.source
            assert agent.operator, agent.token
        else:
            assert agent.source == LIST_SOURCE, agent.token


def test_fields_are_complete() -> None:
    keys = {"token", "names", "operator", "purposes", "control_only", "respects_robots",
            "documented", "source"}  # fmt: skip
    for raw in _raw():
        assert keys <= set(raw), raw["token"]
        assert set(raw) <= keys | {"fallbacks", "note", "signature_agents"}, raw["token"]
    for agent in known_agents():
        assert agent.purposes, agent.token
        assert agent.control_only == ("control" in agent.purposes), agent.token
        assert agent.token in agent.names, "the token is one of the source's own spellings"


def test_no_duplicates() -> None:
    """A name, compared case-insensitively, belongs to one entry, as token or spelling."""
    owner: dict[str, str] = {}
    for agent in known_agents():
        for name in {agent.token.lower(), *(n.lower() for n in agent.names)}:
            assert owner.setdefault(name, agent.token) == agent.token, name
    keys = [name_key(a.token) for a in known_agents() if a.addressable]
    assert len(keys) == len(set(keys)), "two entries a User-agent line cannot tell apart"


def test_tokens_are_valid() -> None:
    """A token is one whole product name; only list-only names may hold a space, and then they
    are never written (a reader would see the first word)."""
    for agent in known_agents():
        if not is_product_name(agent.token):
            assert " " in agent.token
            assert not agent.documented, agent.token
            assert agent not in published_agents(), agent.token


def test_fallbacks_point_at_known_tokens() -> None:
    for agent in known_agents():
        seen = {agent.token.lower()}
        for fallback in agent.fallbacks:
            target = find_agent(fallback)
            assert target is not None, (agent.token, fallback)
            assert target.token == fallback, (agent.token, fallback)
            assert target.operator == agent.operator, "a fallback is the same operator's"
            assert fallback.lower() not in seen, "no repeat and no cycle"
            assert not target.fallbacks, "fallbacks are listed whole, not chained"
            seen.add(fallback.lower())


def test_documented_fallbacks() -> None:
    """Google's crawler pages give these token lists (most specific first)."""
    for token, fallbacks in [("GoogleOther-Image", ("GoogleOther",)),
                             ("GoogleOther-Video", ("GoogleOther",)),
                             ("Googlebot-Image", ("Googlebot",)),
                             ("Googlebot-Video", ("Googlebot",)),
                             ("Googlebot-News", ("Googlebot",))]:  # fmt: skip
        agent = find_agent(token)
        assert agent is not None, token
        assert agent.fallbacks == fallbacks, token


def test_no_artefact_tokens_are_published() -> None:
    published = {a.token for a in published_agents()}
    assert not {"AI", "img", "ChatGPT", "Code", "Spider", "Crawl", "Channel"} & published
    assert {"AI2Bot", "img2dataset", "GPTBot", "Google-Extended", HEEDFUL_TOKEN} <= published


def test_shipped_as_package_data() -> None:
    """The wheel carries the file: pyproject's package-data names it."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["heedful.policies"]
    assert any(fnmatch.fnmatch(DATA_FILE, pattern) for pattern in patterns)
    assert (ROOT / "policies" / DATA_FILE).is_file()
