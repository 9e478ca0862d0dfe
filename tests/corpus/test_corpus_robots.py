"""Every robots.txt and ai.txt file of tests/data/corpus parses, with stable diagnostics.

The diagnostics (code and line) are snapshotted in ``snapshots/robots_diagnostics.json``. After a
deliberate change, regenerate the snapshot and review its diff::

    HEEDFUL_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/corpus/test_corpus_robots.py

For each real robots.txt, the AI agents disallowed at ``https://<host>/`` must equal the
``ai_agents_disallowed_root`` that index.json computed with protego alone, except for the
differences listed in EXPECTED_DIFFERENCES. They all come from group selection: protego gives a
crawler the group of any user-agent value found at a token start of its name (``SemrushBot`` for
``SemrushBot-OCOB``), while RFC 9309 2.2.1 compares product tokens for equality.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from heedful.policies.diagnostics import Diagnostic
from heedful.policies.signals.aitxt import parse_ai_txt
from heedful.policies.signals.robots.document import parse_robots
from tests.conftest import TEST_DATA

CORPUS = TEST_DATA / "corpus"

SNAPSHOT = Path(__file__).parent / "snapshots" / "robots_diagnostics.json"
UPDATE = os.environ.get("HEEDFUL_UPDATE_SNAPSHOTS") == "1"
INDEX: dict[str, Any] = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
AI_AGENTS: list[str] = INDEX["ai_agent_list"]["agents"]
KINDS = ("robots.txt", "robots.txt-example", "ai.txt")
ENTRIES = [e for e in INDEX["files"] if e["kind"] in KINDS]
ROBOTS = [e for e in ENTRIES if e["kind"] == "robots.txt"]

_PREFIX = (
    "protego gives {agent} the group of user-agent {line!r} (a match at a token start); "
    "RFC 9309 2.2.1 compares product tokens for equality, so {agent} gets the * group"
)
_TOKEN_CUT = (
    "RFC 9309 2.2.1: product tokens are [A-Za-z_-]+, so the line {line!r} names {token!r}, "
    "which equals the token of {agent} (standards.md 1.4, 10.1); protego compares the whole value"
)

EXPECTED_DIFFERENCES: dict[str, dict[str, str]] = {
    "robots/egonkm-2024-05/chaos.social.robots.txt": {
        "SemrushBot-OCOB": _PREFIX.format(agent="SemrushBot-OCOB", line="SemrushBot"),
        "SemrushBot-SWA": _PREFIX.format(agent="SemrushBot-SWA", line="SemrushBot"),
    },
    "robots/egonkm-2024-05/techcrunch.com.robots.txt": {
        "omgilibot": _PREFIX.format(agent="omgilibot", line="omgili"),
    },
    "robots/egonkm-2024-05/www.lepoint.fr.robots.txt": {
        "SemrushBot-OCOB": _PREFIX.format(agent="SemrushBot-OCOB", line="SemrushBot"),
        "SemrushBot-SWA": _PREFIX.format(agent="SemrushBot-SWA", line="SemrushBot"),
    },
    "robots/egonkm-2024-05/www.msn.com.robots.txt": {
        "Applebot-Extended": _PREFIX.format(agent="Applebot-Extended", line="Applebot"),
    },
    "robots/egonkm-2024-05/www.nouvelobs.com.robots.txt": {
        "SemrushBot-OCOB": _PREFIX.format(agent="SemrushBot-OCOB", line="SemrushBot"),
        "SemrushBot-SWA": _PREFIX.format(agent="SemrushBot-SWA", line="SemrushBot"),
        "YandexAdditional": _PREFIX.format(agent="YandexAdditional", line="yandex"),
        "YandexAdditionalBot": _PREFIX.format(agent="YandexAdditionalBot", line="yandex"),
    },
    "robots/egonkm-2024-05/www.theverge.com.robots.txt": {
        "Applebot-Extended": _PREFIX.format(agent="Applebot-Extended", line="Applebot"),
    },
    "robots/egonkm-2024-05/www.vox.com.robots.txt": {
        "Applebot-Extended": _PREFIX.format(agent="Applebot-Extended", line="Applebot"),
    },
    "robots/samber-lowercased/2026-01/cnn.com.robots.txt": {
        "AI2Bot-DeepResearchEval": _PREFIX.format(agent="AI2Bot-DeepResearchEval", line="ai2bot"),
        "Brightbot": _TOKEN_CUT.format(agent="Brightbot", line="brightbot 1.0", token="brightbot"),
        "iaskspider": _TOKEN_CUT.format(
            agent="iaskspider", line="iaskspider/2.0", token="iaskspider"
        ),
    },
    "robots/samber-lowercased/2026-01/www.lemonde.fr.robots.txt": {
        "AI2Bot-DeepResearchEval": _PREFIX.format(agent="AI2Bot-DeepResearchEval", line="ai2bot"),
        "Ai2Bot-Dolma": _PREFIX.format(agent="Ai2Bot-Dolma", line="ai2bot"),
        "ImagesiftBot": _PREFIX.format(agent="ImagesiftBot", line="imagesift"),
        "SemrushBot-SWA": _PREFIX.format(agent="SemrushBot-SWA", line="semrushbot"),
    },
    "robots/samber-lowercased/2026-01/www.spiegel.de.robots.txt": {
        "SemrushBot-OCOB": _PREFIX.format(agent="SemrushBot-OCOB", line="semrushbot"),
        "SemrushBot-SWA": _PREFIX.format(agent="SemrushBot-SWA", line="semrushbot"),
    },
    "robots/samber-lowercased/2026-01/www.theguardian.com.robots.txt": {
        "ImagesiftBot": _PREFIX.format(agent="ImagesiftBot", line="imagesift"),
    },
    "robots/samber-lowercased/2026-01/www.usatoday.com.robots.txt": {
        "AI2Bot-DeepResearchEval": _PREFIX.format(agent="AI2Bot-DeepResearchEval", line="ai2bot"),
        "ChatGPT Agent": _TOKEN_CUT.format(
            agent="ChatGPT Agent", line="chatgpt operator", token="chatgpt"
        ),
        "SemrushBot-SWA": _PREFIX.format(agent="SemrushBot-SWA", line="semrushbot"),
    },
    "robots/site-repos/lobste.rs.robots.txt": {
        "Applebot-Extended": _PREFIX.format(agent="Applebot-Extended", line="Applebot"),
    },
}
"""file (relative to corpus/) -> agent -> why Heedful's answer at / differs from protego's."""


def _data(entry: dict[str, Any]) -> bytes:
    return (TEST_DATA / entry["path"]).read_bytes()


def _diagnostics(entry: dict[str, Any]) -> tuple[Diagnostic, ...]:
    if entry["kind"] == "ai.txt":
        return parse_ai_txt(_data(entry)).diagnostics
    return parse_robots(_data(entry)).diagnostics


def _current() -> dict[str, list[str]]:
    return {e["path"]: [f"{d.line}:{d.code}" for d in _diagnostics(e)] for e in ENTRIES}


def test_snapshot_of_diagnostics() -> None:
    current = _current()
    if UPDATE:
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert SNAPSHOT.exists(), "run with HEEDFUL_UPDATE_SNAPSHOTS=1 to create the snapshot"
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == current


def test_corpus_covers_every_kind() -> None:
    assert {e["kind"] for e in ENTRIES} == set(KINDS)
    assert len(ROBOTS) == 71


@pytest.mark.parametrize("entry", ROBOTS, ids=[e["path"] for e in ROBOTS])
def test_ai_agents_disallowed_at_root(entry: dict[str, Any]) -> None:
    robots = parse_robots(_data(entry), source=entry["site_url"]).value
    host = entry["site_url"].split("/")[2]
    mine = {a for a in AI_AGENTS if not robots.access(f"https://{host}/", a).allowed}
    protego = set(entry["ai_agents_disallowed_root"])
    expected = set(EXPECTED_DIFFERENCES.get(entry["path"].removeprefix("corpus/"), {}))
    assert mine ^ protego == expected


def test_expected_differences_name_corpus_files() -> None:
    paths = {e["path"].removeprefix("corpus/") for e in ROBOTS}
    assert set(EXPECTED_DIFFERENCES) <= paths


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if e["kind"] == "ai.txt"], ids=lambda e: e["path"]
)
def test_ai_txt_statements(entry: dict[str, Any]) -> None:
    """Every Spawning file speaks about images; the Markdown one (avelino.run) says nothing."""
    ai_txt = parse_ai_txt(_data(entry)).value
    statement = ai_txt.statement("https://example.com/img/cat.jpg", "HeedfulBot")
    if "avelino.run" in entry["path"]:
        assert statement is None
    else:
        assert statement is not None
        assert statement.location.startswith("line ")


@pytest.mark.parametrize("entry", ROBOTS, ids=[e["path"] for e in ROBOTS])
def test_reading_without_lint_means_the_same(entry: dict[str, Any]) -> None:
    """A crawler reads robots.txt without the author's lint checks; every answer stays the same
    and only lint diagnostics are left out."""
    body = (TEST_DATA / entry["path"]).read_bytes()
    linted = parse_robots(body)
    plain = parse_robots(body, lint=False)
    assert set(plain.diagnostics) <= set(linted.diagnostics)
    site = entry["site_url"].rstrip("/")
    for agent in (*AI_AGENTS, "*", "HeedfulBot"):
        for path in ("/", "/search?q=1", "/wp-admin/", "/images/a.jpg", "/api/v1/x"):
            assert plain.value.access(site + path, agent) == linted.value.access(site + path, agent)
