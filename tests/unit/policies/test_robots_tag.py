"""X-Robots-Tag and <meta name="robots"> directives (standards.md 7, 12.4)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from heedful.policies.html import HeadMeta, parse_html_head
from heedful.policies.model import Permission, Signal, Use
from heedful.policies.signals.robots_tag import (
    images_reserved,
    product_token,
    render_robots_meta,
    render_robots_tag,
    robots_tag_statements,
)

AGENT = "HeedfulBot/1.0 (+https://heedful.example/bot)"
SOURCE = "https://site.example/page"
AI_DENY = {Use.AI_TRAIN: Permission.DENY, Use.AI_INPUT: Permission.DENY}
SEARCH_DENY = {Use.SEARCH: Permission.DENY}


def metas(html: str) -> tuple[HeadMeta, ...]:
    return parse_html_head(html).value.metas


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    html: str = ""
    agent: str = AGENT
    image: bool = False
    expected: list[tuple[str, dict[Use, Permission]]] = field(default_factory=list)
    """(location, uses) of every statement, in order."""


CASES = [
    Case("meta-noindex-nofollow", "7.1", html='<meta name="robots" content="noindex, nofollow">',
         expected=[("meta[name=robots]", SEARCH_DENY)]),
    Case("meta-other-crawler", "7.1", html='<meta name="googlebot" content="noindex">'),
    Case("meta-names-case-insensitive", "7.1", html='<META NAME="ROBOTS" CONTENT="NOINDEX">',
         expected=[("meta[name=robots]", SEARCH_DENY)]),
    Case("meta-several-combined", "7.1",
         html='<meta name="robots" content="nofollow"><meta name="robots" content="noai">'
              '<meta name="heedfulbot" content="noindex">',
         expected=[("meta[name=robots]", AI_DENY), ("meta[name=heedfulbot]", SEARCH_DENY)]),
    Case("header-noindex-nofollow", "7.1", headers=[("X-Robots-Tag", "noindex, nofollow")],
         expected=[("header X-Robots-Tag", SEARCH_DENY)]),
    Case("header-googlebot-nofollow", "7.1", headers=[("X-Robots-Tag", "googlebot: nofollow")]),
    Case("header-googlebot-nofollow-as-googlebot", "7.1", agent="Googlebot",
         headers=[("X-Robots-Tag", "googlebot: nofollow")]),
    Case("header-otherbot-not-us", "7.1", headers=[("X-Robots-Tag", "otherbot: noindex, nofollow")]),
    Case("header-otherbot-is-us", "7.1", agent="otherbot",
         headers=[("X-Robots-Tag", "otherbot: noindex, nofollow")],
         expected=[("header X-Robots-Tag", SEARCH_DENY)]),
    Case("header-several-instances", "7.1/7.6",
         headers=[("X-Robots-Tag", "noindex"), ("x-robots-tag", "noai")],
         expected=[("header X-Robots-Tag", SEARCH_DENY), ("header X-Robots-Tag#2", AI_DENY)]),
    Case("header-unavailable-after-is-a-rule", "7.6",
         headers=[("X-Robots-Tag", "unavailable_after: 25 Jun 2010 15:00:00 PST, noai")],
         expected=[("header X-Robots-Tag", AI_DENY)]),
    Case("header-max-snippet-is-a-rule", "7.6",
         headers=[("X-Robots-Tag", "max-snippet: -1, noindex")],
         expected=[("header X-Robots-Tag", SEARCH_DENY)]),
    Case("header-none", "7.1/12.4", headers=[("X-Robots-Tag", "none")],
         expected=[("header X-Robots-Tag", SEARCH_DENY)]),
    Case("meta-none", "7.1/12.4", html='<meta name="robots" content="none">',
         expected=[("meta[name=robots]", SEARCH_DENY)]),
    Case("meta-noai", "7.2/12.4 note 7", html='<meta name="robots" content="noai">',
         expected=[("meta[name=robots]", AI_DENY)]),
    Case("meta-noimageai-page-text-untouched", "7.2", html='<meta name="robots" content="noimageai">'),
    Case("header-noimageai-on-image", "7.2/7.6", image=True,
         headers=[("X-Robots-Tag", "noimageai")], expected=[("header X-Robots-Tag", AI_DENY)]),
    Case("header-noai-noimageai-on-image", "7.2", image=True,
         headers=[("X-Robots-Tag", "noai, noimageai")], expected=[("header X-Robots-Tag", AI_DENY)]),
    Case("noimageindex-on-image", "7.3", image=True, headers=[("X-Robots-Tag", "noimageindex")],
         expected=[("header X-Robots-Tag", SEARCH_DENY)]),
    Case("noimageindex-on-page", "7.1", headers=[("X-Robots-Tag", "noimageindex")]),
    Case("per-agent-meta", "7.2", html='<meta name="HeedfulBot" content="noai">',
         expected=[("meta[name=heedfulbot]", AI_DENY)]),
    Case("per-agent-header", "7.2", headers=[("X-Robots-Tag", "HEEDFULBOT: NOAI")],
         expected=[("header X-Robots-Tag", AI_DENY)]),
    Case("per-agent-header-other", "7.2", headers=[("X-Robots-Tag", "GPTBot: noai")]),
    Case("noindex-is-not-ai", "7.6", headers=[("X-Robots-Tag", "noindex")],
         expected=[("header X-Robots-Tag", SEARCH_DENY)]),
    Case("noml-like-noai", "7.2", html='<meta name="robots" content="noml">',
         expected=[("meta[name=robots]", AI_DENY)]),
    Case("nosnippet-no-use-effect", "12.4", headers=[("X-Robots-Tag", "nosnippet, max-image-preview:large")]),
    Case("joined-instances-keep-their-tokens", "own (RFC 9110 5.3 field joining)",
         headers=[("X-Robots-Tag", "googlebot: nofollow, heedfulbot: noai")],
         expected=[("header X-Robots-Tag", AI_DENY)]),
    Case("global-then-other-agent", "own", headers=[("X-Robots-Tag", "noindex, googlebot: noai")],
         expected=[("header X-Robots-Tag", SEARCH_DENY)]),
    Case("agent-without-token", "own (1.4): only global rules", agent="2bot",
         html='<meta name="robots" content="noai">', expected=[("meta[name=robots]", AI_DENY)]),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_statements(case: Case) -> None:
    result = robots_tag_statements(
        case.headers, metas(case.html), agent=case.agent, source=SOURCE, image=case.image
    )
    got = [(statement.location, dict(statement.uses)) for statement in result.value]
    assert got == case.expected
    for statement in result.value:
        assert statement.signal is Signal.ROBOTS_TAG
        assert statement.source == SOURCE


def test_rule_is_the_header_value_as_written() -> None:
    value = "  GoogleBot: nofollow,   HeedfulBot: NoAI "
    [statement] = robots_tag_statements(
        [("X-Robots-Tag", value)], [], agent=AGENT, source="u"
    ).value
    assert statement.rule == value
    assert "heedfulbot" in statement.note


def test_rule_reconstructs_the_meta_element() -> None:
    html = '<meta name="Robots" content="noai, noimageai">'
    [statement] = robots_tag_statements([], metas(html), agent=AGENT, source="u").value
    assert statement.rule == '<meta name="robots" content="noai, noimageai">'


def test_mapping_headers_are_read() -> None:
    [statement] = robots_tag_statements({"x-robots-tag": "noai"}, [], agent=AGENT, source="u").value
    assert statement.location == "header X-Robots-Tag"


@pytest.mark.parametrize(
    ("headers", "html", "code"),
    [
        ([("X-Robots-Tag", "")], "", "robots-tag-empty"),
        ([("X-Robots-Tag", " , ")], "", "robots-tag-empty"),
        ([], '<meta name="robots" content="">', "robots-tag-empty"),
        ([("X-Robots-Tag", "noaii")], "", "robots-tag-unknown-directive"),
        ([], '<meta name="robots" content="noml">', "robots-tag-noml"),
    ],
    ids=["empty-header", "only-commas", "empty-meta", "unknown-directive", "noml-info"],
)
def test_diagnostics(headers: list[tuple[str, str]], html: str, code: str) -> None:
    result = robots_tag_statements(headers, metas(html), agent=AGENT, source="u")
    assert code in {diagnostic.code for diagnostic in result.diagnostics}


def test_meta_diagnostic_carries_its_line() -> None:
    html = '<head>\n<title>x</title>\n<meta name="robots" content="noaii">'
    result = robots_tag_statements([], metas(html), agent=AGENT, source="u")
    assert [d.line for d in result.diagnostics] == [3]


@pytest.mark.parametrize(
    ("headers", "html", "location"),
    [
        ([], '<meta name="robots" content="noimageai">', "meta[name=robots]"),
        ([("X-Robots-Tag", "noimageai")], "", "header X-Robots-Tag"),
        ([], '<meta name="heedfulbot" content="noimageai">', "meta[name=heedfulbot]"),
        ([], '<meta name="robots" content="noai">', "meta[name=robots]"),
        ([("X-Robots-Tag", "noindex"), ("X-Robots-Tag", "noimageai")], "", "header X-Robots-Tag#2"),
    ],
    ids=[
        "meta-noimageai",
        "header-noimageai",
        "per-agent-noimageai",
        "noai-covers-images",
        "second",
    ],
)
def test_images_reserved(headers: list[tuple[str, str]], html: str, location: str) -> None:
    statement = images_reserved(headers, metas(html), agent=AGENT, source=SOURCE)
    assert statement is not None
    assert statement.location == location
    assert statement.uses[Use.AI_TRAIN] is Permission.DENY
    assert statement.source == SOURCE


@pytest.mark.parametrize(
    ("headers", "html"),
    [
        ([], '<meta name="robots" content="noindex">'),
        ([("X-Robots-Tag", "gptbot: noimageai")], ""),
        ([], '<meta name="gptbot" content="noimageai">'),
        ([], ""),
    ],
    ids=["noindex", "other-agent-header", "other-agent-meta", "nothing"],
)
def test_images_not_reserved(headers: list[tuple[str, str]], html: str) -> None:
    assert images_reserved(headers, metas(html), agent=AGENT) is None


@pytest.mark.parametrize(
    ("agent", "token"),
    [("HeedfulBot/1.0", "heedfulbot"), ("Google-Extended", "google-extended"), ("", ""),
     ("2bot", "2bot"), ("AI2Bot/1.0", "ai2bot"), ("Mozilla/5.0 (compatible; X)", "mozilla")],
    ids=["versioned", "dash", "empty", "digit-first", "digits", "browser-ua"],
)  # fmt: skip
def test_product_token(agent: str, token: str) -> None:
    assert product_token(agent) == token


D, L, A = Permission.DENY, Permission.LICENSE, Permission.ALLOW


@pytest.mark.parametrize(
    ("uses", "images", "expected"),
    [
        ({Use.AI_TRAIN: D, Use.AI_INPUT: D}, False, "noai"),
        ({Use.AI_TRAIN: D, Use.AI_INPUT: D}, True, "noai, noimageai"),
        ({Use.TDM: D}, False, "noai"),
        ({Use.TDM: L}, False, "noai"),
        ({Use.AI_TRAIN: D}, False, ""),
        ({Use.AI_TRAIN: D, Use.AI_INPUT: A}, False, ""),
        ({Use.SEARCH: D}, False, "noindex"),
        ({Use.AI_TRAIN: D, Use.AI_INPUT: D, Use.SEARCH: D}, False, "noai, noindex"),
        ({Use.AI_TRAIN: A, Use.SEARCH: A}, False, ""),
        ({}, True, ""),
    ],
    ids=["noai", "noai-images", "tdm-deny", "tdm-license", "train-only", "input-allowed",
         "noindex", "both", "allows", "empty"],
)  # fmt: skip
def test_render_robots_tag(uses: dict[Use, Permission], images: bool, expected: str) -> None:
    assert render_robots_tag(uses, images=images) == expected


def test_render_robots_meta() -> None:
    assert render_robots_meta({Use.TDM: D}) == '<meta name="robots" content="noai, noimageai">'
    assert render_robots_meta({Use.AI_TRAIN: A}) == ""


def test_wrong_types_raise() -> None:
    with pytest.raises(TypeError):
        robots_tag_statements([], [], agent=None, source="u")  # type: ignore[arg-type]
