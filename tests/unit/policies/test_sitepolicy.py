"""Site policy: loading (every problem, with lines), restrictions, intended, rendering."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from protego import Protego

from policies.agents import published_agents
from policies.aitxt import parse_ai_txt
from policies.errors import HeedfulError, PolicyFormatError, PolicyProblem
from policies.model import Permission, Use, Verdict
from policies.robots import parse_robots
from policies.rsl import parse_rsl
from policies.sitepolicy import (
    VERSION_HEADER,
    intended,
    load_site_policy,
    may_fetch,
    render_site,
)
from policies.tdmrep import parse_tdmrep
from tests.conftest import ROOT
from tests.helpers.sitepolicy_check import mismatches, protego_mismatches

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
HEAD = '[site]\nname = "S"\nurl = "https://s.example"\ncontact = "a@s.example"\n'
DEFAULTS = '[defaults]\nsearch = "allow"\nai-input = "deny"\nai-train = "deny"\ntdm = "allow"\n'
SAMPLE_PATHS = [
    "/", "/a", "/press/", "/press/x.jpg", "/archive/2020/a", "/archive/a.png", "/account/x",
    "/x.jpg", "/x.JPG", "/a.gif?x=1", "/photo", "/blog/x", "/blog/x.png", "/clients/a",
    "/staff/a", "/staff/a.jpg", "/datasets/transit/x", "/internal/a",
]  # fmt: skip
SAMPLE_AGENTS = [
    "RandomBot", "GPTBot", "PerplexityBot", "Bytespider", "ClaudeBot", "Googlebot",
    "ResearchBot", "LAIONDownloader",
]  # fmt: skip
SAMPLE_TYPES = [None, "text/html", "image/png", "application/pdf"]


def _load(text: str):  # type: ignore[no-untyped-def]
    return load_site_policy(HEAD + text, filename="p.toml")


def _problems(text: str) -> list[PolicyProblem]:
    with pytest.raises(PolicyFormatError) as info:
        _load(text)
    return list(info.value.problems)


# -- examples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_read_back_exactly_as_intended(path: Path) -> None:
    """Source: issue 3 section 1 (examples) and section 2 (consistency)."""
    policy = load_site_policy(path.read_bytes(), filename=path.name)
    rendered = render_site(policy, version="3")
    samples = itertools.product(SAMPLE_PATHS, SAMPLE_AGENTS, SAMPLE_TYPES)
    found = mismatches(policy, rendered, samples)
    assert not found, "\n".join(map(str, found[:5]))
    pairs = itertools.product(SAMPLE_PATHS, SAMPLE_AGENTS)
    assert protego_mismatches(policy, rendered.robots_txt, rendered.base_url, pairs) == []


def test_example_set_covers_the_three_required_sites() -> None:
    """Source: issue 3 section 1."""
    names = {p.stem for p in EXAMPLES}
    assert {"news-publisher", "photographer", "open-data"} <= names


@pytest.mark.parametrize(
    ("example", "path", "agent", "use", "media", "verdict"),
    [
        ("news-publisher", "/world/story", "RandomBot", Use.SEARCH, None, Verdict.ALLOW),
        ("news-publisher", "/world/story", "RandomBot", Use.AI_TRAIN, None, Verdict.DENY),
        ("news-publisher", "/world/story", "RandomBot", Use.AI_INPUT, None, Verdict.LICENSE),
        ("news-publisher", "/archive/1999/x", "ClaudeBot", Use.AI_TRAIN, None, Verdict.LICENSE),
        ("news-publisher", "/world/story", "Bytespider", Use.SEARCH, None, Verdict.DENY),
        ("news-publisher", "/press/r", "PerplexityBot", Use.AI_INPUT, None, Verdict.DENY),
        ("news-publisher", "/press/r", "RandomBot", Use.GENAI_TRAIN, None, Verdict.ALLOW),
        ("news-publisher", "/press/r.jpg", "RandomBot", Use.AI_TRAIN, None, Verdict.DENY),
        ("photographer", "/gallery/x", "RandomBot", Use.SEARCH, "image/webp", Verdict.DENY),
        ("photographer", "/about", "RandomBot", Use.SEARCH, "text/html", Verdict.ALLOW),
        # tdm allowed but AI training denied: TDMRep can only publish the reservation there,
        # which covers AI input too (policies.sitepolicy_resolve.tdm_reading, issue 16 s. 2).
        ("photographer", "/blog/post", "RandomBot", Use.AI_INPUT, None, Verdict.DENY),
        ("photographer", "/blog/post", "RandomBot", Use.TDM, None, Verdict.DENY),
        ("open-data", "/datasets/x.csv", "RandomBot", Use.AI_TRAIN, None, Verdict.ALLOW),
        # AI input is denied to every crawler on /staff/, so TDMRep reserves it, for all.
        ("open-data", "/staff/bio", "ResearchBot", Use.AI_TRAIN, None, Verdict.DENY),
        ("open-data", "/datasets/x.csv", "RandomBot", Use.TDM, None, Verdict.ALLOW),
        ("open-data", "/staff/bio", "RandomBot", Use.AI_TRAIN, None, Verdict.DENY),
        ("open-data", "/staff/a.jpg", "ResearchBot", Use.AI_TRAIN, None, Verdict.DENY),
    ],
    ids=[
        "news-search-own", "news-train-own", "news-input-license-own", "news-archive-own",
        "news-bytespider-own", "news-agent-own", "news-press-own", "news-photo-own",
        "photo-type-own", "photo-text-own", "photo-blog-own", "photo-blog-tdm-own",
        "open-train-own", "open-tdm-own",
        "open-agent-path-own", "open-staff-own", "open-media-over-agent-own",
    ],
)  # fmt: skip
def test_intended_examples(
    example: str, path: str, agent: str, use: Use, media: str | None, verdict: Verdict
) -> None:
    policy = load_site_policy((ROOT / "examples" / f"{example}.toml").read_bytes())
    assert intended(policy, path=path, agent=agent, use=use, media_type=media) is verdict


# -- loading errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key", "fragment"),
    [
        (DEFAULTS + '[[paths]]\npath = "/a/"\nai-train = "perhaps"\n', 12, "paths[0].ai-train",
         "expected allow, deny or license"),
        (DEFAULTS + '[[paths]]\npath = "/a/"\nai-train = "unknown"\n', 12, "paths[0].ai-train",
         "'unknown': expected allow, deny or license"),
        (DEFAULTS + '[[paths]]\npath = "/a/"\naccess = "license"\n', 12, "paths[0].access",
         "Input should be 'allow' or 'deny'"),
        (DEFAULTS + '[[paths]]\npath = "a/"\n', 11, "paths[0].path", "path prefix"),
        (DEFAULTS + '[[paths]]\npath = "/a/*.jpg"\n', 11, "paths[0].path", "'*'"),
        (DEFAULTS + 'colour = "red"\n', 10, "defaults.colour", "unknown key"),
        (DEFAULTS + '[[agents]]\nagent = "Chat GPT"\n', 11, "agents[0].agent", "not a product name"),
        (DEFAULTS + '[[agents]]\nagent = "X"\ntdm = "deny"\n', 10, "agents[0]", "per agent"),
        (DEFAULTS + '[[agents]]\nagent = "X"\nsearch = "license"\n', 10, "agents[0]", "licence"),
        (DEFAULTS + '[[media]]\ntypes = ["image/*"]\nsearch = "allow"\n', 10, "media[0]",
         "only deny"),
        (DEFAULTS + '[[media]]\nsearch = "deny"\n', 10, "media[0]", "types, extensions"),
        (DEFAULTS + '[[media]]\nextensions = ["tar.gz"]\nsearch = "deny"\n', 11,
         "media[0].extensions", "file extension"),
        (DEFAULTS + '[[paths]]\npath = "/a/"\ngenai-train = "allow"\n', 10, "paths[0]",
         "genai-train must equal ai-train"),
        (DEFAULTS.replace('ai-train = "deny"\n', ""), 5, "defaults.ai-train", "missing"),
        (DEFAULTS + '[license]\npayment = "free"\n', 10, "license", "free licence"),
        (DEFAULTS + '[license]\npayment = "gold"\n', 11, "license.payment", "not one of"),
    ],
    ids=[
        "bad-choice-own", "unknown-is-not-said-own", "access-license-own", "relative-path-own", "pattern-path-own", "unknown-key-own",
        "invalid-token-10.1", "agent-tdm-2.2", "agent-license-6.3", "media-allow-own",
        "media-empty-own", "media-ext-own", "genai-split-4.4", "defaults-incomplete-12.3",
        "free-licence-6.3", "payment-type-6.3",
    ],
)  # fmt: skip
def test_load_errors_name_line_key_and_problem(
    text: str, line: int, key: str, fragment: str
) -> None:
    problems = _problems(text)
    assert any(
        p.line == line and p.key == key and fragment in p.message and p.file == "p.toml"
        for p in problems
    ), problems


def test_every_problem_is_reported_at_once() -> None:
    """Source: issue 3 section 1 ("errors name the file, line or key, and what is wrong")."""
    text = (
        '[site]\nname = ""\nurl = "example.org"\ncontact = "x"\n[defaults]\nsearch = "no"\n'
        'ai-input = "deny"\nai-train = "deny"\ntdm = "deny"\n[[paths]]\npath = "x"\n'
    )
    with pytest.raises(PolicyFormatError) as info:
        load_site_policy(text, filename="f.toml")
    keys = [p.key for p in info.value.problems]
    assert keys == ["site.name", "site.url", "defaults.search", "paths[0].path"]
    assert str(info.value).splitlines()[1].startswith("f.toml:3: site.url: ")
    assert isinstance(info.value, HeedfulError)
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("data", "line"),
    [('[site\nname="x"\n', 1), ('[site]\nname = "x\n', 2), (b"[site]\n\xff = 1\n", 2)],
    ids=["toml-header-own", "toml-string-own", "utf8-own"],
)
def test_syntax_errors_have_lines(data: str | bytes, line: int) -> None:
    with pytest.raises(PolicyFormatError) as info:
        load_site_policy(data, filename="s.toml")
    (problem,) = info.value.problems
    assert problem.line == line
    assert problem.file == "s.toml"


def test_non_text_argument_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        load_site_policy(42)  # type: ignore[arg-type]


# -- restrictions: constructs no format combination can publish ----------------------------------


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        (DEFAULTS.replace('tdm = "allow"', 'tdm = "deny"').replace('ai-input = "deny"',
         'ai-input = "allow"'), "defaults.ai-input", "TDM reservation covers"),
        (DEFAULTS.replace('tdm = "allow"', 'tdm = "deny"')
         + '[[agents]]\nagent = "ResearchBot"\nai-train = "allow"\n', "agents[0].ai-train",
         "no per-crawler form"),
        (DEFAULTS.replace('ai-train = "deny"', 'ai-train = "license"')
         + '[[agents]]\nagent = "ResearchBot"\nai-train = "allow"\n[license]\npayment = "crawl"\n',
         "agents[0].ai-train", "cannot require a licence"),
        (DEFAULTS + '[[paths]]\npath = "/p/"\nai-input = "allow"\n'
         '[[agents]]\nagent = "ResearchBot"\nai-input = "allow"\n', "defaults.ai-input",
         "differs by path"),
        (DEFAULTS.replace('ai-train = "deny"', 'ai-train = "license"'), "defaults.ai-train",
         "[license]"),
        (DEFAULTS.replace('tdm = "allow"', 'tdm = "license"').replace('"deny"', '"license"')
         + '[[media]]\ntypes = ["image/*"]\ntdm = "deny"\nai-train = "deny"\nai-input = "deny"\n'
         '[license]\npayment = "crawl"\n', "media[0].tdm", "cannot withdraw"),
        (DEFAULTS + '[[paths]]\npath = "/a/"\n[[paths]]\npath = "/a/"\n', "paths[1].path",
         "same prefix"),
        (DEFAULTS.replace('ai-train = "deny"', 'ai-train = "license"')
         + '[license]\npayment = "crawl"\nuses = ["ai-input"]\n', "license.uses", "lists"),
    ],
    ids=[
        "tdm-covers-input-12.3", "agent-exempt-from-tdm-2", "agent-waives-licence-6.3",
        "ai-input-by-path-and-agent-5.3", "licence-without-terms-own", "media-type-tdm-2.7",
        "duplicate-prefix-own", "licence-uses-crosscheck-own",
    ],
)  # fmt: skip
def test_inexpressible_policies_are_refused(text: str, key: str, fragment: str) -> None:
    problems = _problems(text)
    assert any(p.key == key and fragment in p.message for p in problems), problems
    assert all(p.line > 0 for p in problems if p.key.startswith(("defaults", "paths", "agents")))


# -- rendering ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def news():  # type: ignore[no-untyped-def]
    policy = load_site_policy((ROOT / "examples" / "news-publisher.toml").read_bytes())
    return policy, render_site(policy, version="v9")


def test_robots_has_a_full_group_for_every_known_agent(news) -> None:  # type: ignore[no-untyped-def]
    """Source: standards.md 1.14, 12.5; issue 3 section 2; issue 16 section 5 (no artefacts)."""
    _, rendered = news
    robots = parse_robots(rendered.robots_txt).value
    named = {a.lower() for a in robots.named_agents()}
    assert {agent.token.lower() for agent in published_agents()} <= named
    # Names cut at a digit or a space, and bare words without an operator, address nobody meant.
    assert not {"ai", "img", "chatgpt", "code", "spider", "crawl", "channel"} & named
    assert rendered.robots_txt.startswith("# As a condition of accessing this website")
    assert "ARTICLE 4" in rendered.robots_txt
    assert "version v9" in rendered.robots_txt
    assert "License: https://news.example/license.xml" in rendered.robots_txt
    for block in rendered.robots_txt.split("\n\n")[1:-1]:
        if block.startswith("User-agent:"):
            assert "Content-Signal:" in block
    star = rendered.robots_txt.split("User-agent: *\n", 1)[1].split("\n\n", 1)[0]
    claude = rendered.robots_txt.split("User-agent: ClaudeBot\n", 1)[1].split("\n\n", 1)[0]
    assert star == claude  # the full rule set, not inherited from *
    assert Protego.parse(rendered.robots_txt).can_fetch("https://news.example/a", "GPTBot") is False


def test_robots_and_files_parse_without_errors(news) -> None:  # type: ignore[no-untyped-def]
    _, rendered = news
    for result in (
        parse_robots(rendered.robots_txt),
        parse_ai_txt(rendered.ai_txt),
        parse_tdmrep(rendered.tdmrep_json),
        parse_rsl(rendered.rsl_xml or ""),
    ):
        assert [d for d in result.diagnostics if d.severity.name == "ERROR"] == []


def test_tdmrep_is_ordered_specific_to_general(news) -> None:  # type: ignore[no-untyped-def]
    """Source: standards.md 2.3, 2.9."""
    _, rendered = news
    rules = json.loads(rendered.tdmrep_json)
    assert isinstance(rules, list)
    assert rules[-1]["location"] == "/"
    assert rules[-1] == {
        "location": "/", "tdm-reservation": 1, "tdm-policy": "https://news.example/ai-licensing"
    }  # fmt: skip
    assert [r["location"] for r in rules].index("/press/") < len(rules) - 1


def test_headers_and_head_elements(news) -> None:  # type: ignore[no-untyped-def]
    """Source: standards.md 12.5 (response headers, HTML head), 7.2."""
    _, rendered = news
    image = dict(rendered.headers_for("/photos/cat.jpg", "image/jpeg"))
    assert image["X-Robots-Tag"] == "noai, noimageai"
    assert image["Link"] == (
        '<https://news.example/license.xml>; rel="license"; type="application/rsl+xml"'
    )
    assert image[VERSION_HEADER] == "v9"
    page = dict(rendered.headers_for("/world/story", "text/html"))
    assert "X-Robots-Tag" not in page  # ai-input is licensed, not denied: noai would deny it
    assert page["tdm-reservation"] == "1"
    assert page["tdm-policy"].endswith("/ai-licensing")
    head = rendered.html_head_for("/world/story")
    assert '<meta name="tdm-reservation" content="1">' in head
    assert 'rel="license" type="application/rsl+xml"' in head


def test_photographer_ai_txt_is_spawning_style() -> None:
    """Source: standards.md 3.1."""
    policy = load_site_policy((ROOT / "examples" / "photographer.toml").read_bytes())
    text = render_site(policy, version="1").ai_txt
    assert "# Spawning AI" in text
    assert "User-Agent: *" in text
    assert "Disallow: /*.jpg$" in text
    assert text.rstrip().endswith("Disallow: /")
    assert render_site(policy, version="1").rsl_xml is None


def test_open_data_rsl_asks_for_attribution() -> None:
    """Source: standards.md 6.3 (payment type attribution), issue 3 section 1."""
    policy = load_site_policy((ROOT / "examples" / "open-data.toml").read_bytes())
    rendered = render_site(policy, version="1")
    doc = parse_rsl(rendered.rsl_xml or "").value
    stmt = doc.statement("https://data.example.org/datasets/transit/stops.csv")
    assert stmt is not None
    assert stmt.uses[Use.AI_TRAIN].value == "allow"
    assert "attribution required" in stmt.note
    assert "Transit data" in (rendered.rsl_xml or "")
    assert "<!-- Heedful policy version 1 -->" in (rendered.rsl_xml or "")


@pytest.mark.parametrize(
    "version", ["", "a b", "x--y", "v" * 65], ids=["empty", "space", "dashes", "long"]
)
def test_versions_that_would_break_a_file_are_refused(news, version: str) -> None:  # type: ignore[no-untyped-def]
    policy, _ = news
    with pytest.raises(ValueError, match="version"):
        render_site(policy, version=version)


def test_choice_values_and_access() -> None:
    policy = _load(DEFAULTS + '[[paths]]\npath = "/private/"\naccess = "deny"\n')
    # The file's values are read into the core vocabulary, not a copy of it.
    assert policy.paths[0].access is Permission.DENY
    assert all(isinstance(value, Permission) for value in policy.defaults.said().values())
    assert may_fetch(policy, path="/private/x", agent="AnyBot") is False
    assert intended(policy, path="/private/x", agent="AnyBot", use=Use.SEARCH) is Verdict.DENY
    assert intended(policy, path="/public", agent="AnyBot", use=Use.SEARCH) is Verdict.ALLOW


def test_agent_entry_overrides_longer_path_entry() -> None:
    """Own precedence rule (docs/site-policy.md): agent entries are overrides."""
    policy = _load(
        DEFAULTS + '[[paths]]\npath = "/a/b/"\nsearch = "deny"\n'
        '[[agents]]\nagent = "FriendBot"\nsearch = "allow"\n'
    )
    assert intended(policy, path="/a/b/c", agent="FriendBot", use=Use.SEARCH) is Verdict.ALLOW
    assert intended(policy, path="/a/b/c", agent="friendbot/2.0", use=Use.SEARCH) is Verdict.ALLOW
    assert intended(policy, path="/a/b/c", agent="OtherBot", use=Use.SEARCH) is Verdict.DENY
