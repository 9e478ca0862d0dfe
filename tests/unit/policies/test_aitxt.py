"""Spawning ai.txt reader and writer (standards.md 3.1 and table 12.4)."""

from __future__ import annotations

import pytest

from heedful.policies.model import Permission, Signal, Use
from heedful.policies.signals.aitxt import AiTxtSpec, parse_ai_txt, render_ai_txt

EXAMPLE_A = """# Spawning AI
# Prevent datasets from using the following file types

User-Agent: *
Disallow: *.jpg
Disallow: *.jpeg
Disallow: *.png
Disallow: *.mp3
Allow: /
"""
EXAMPLE_B = "User-Agent: *\nDisallow: /\nDisallow: *\n"
NAMED = "User-Agent: *\nDisallow: /\n\nUser-Agent: DatasetBot\nAllow: *.jpg\n"
NO_HEADER_ALLOW_SOME = "User-agent: *\nAllow: *.txt\nDisallow: /\n"
DENY, ALLOW = Permission.DENY, Permission.ALLOW

# (id, source, body, agent, url, expected: None or (location, rule, permission))
# fmt: off
CASES: list[tuple[str, str, str, str, str, tuple[str, str, Permission] | None]] = [
    ("3.1-a-png", "3.1-a", EXAMPLE_A, "Bot", "https://e.example/img/cat.png",
     ("line 7", "Disallow: *.png", DENY)),
    ("3.1-a-page", "3.1-a", EXAMPLE_A, "Bot", "https://e.example/blog/post",
     ("line 9", "Allow: /", ALLOW)),
    ("3.1-a-query-still-matches", "3.1 (own)", EXAMPLE_A, "Bot", "/a.jpg?w=2",
     ("line 5", "Disallow: *.jpg", DENY)),
    ("3.1-b-everything", "3.1-b", EXAMPLE_B, "Bot", "/x.html", ("line 2", "Disallow: /", DENY)),
    ("named-group-replaces-star", "3.1 (agent selection)", NAMED, "DatasetBot", "/a.jpg",
     ("line 5", "Allow: *.jpg", ALLOW)),
    ("named-group-no-match", "3.1 (agent selection)", NAMED, "DatasetBot", "/a.png", None),
    ("star-fallback", "3.1 (agent selection)", NAMED, "OtherBot", "/a.jpg",
     ("line 2", "Disallow: /", DENY)),
    ("allow-beats-shorter-disallow", "3.1 (own)", NO_HEADER_ALLOW_SOME, "Bot", "/notes.txt",
     ("line 2", "Allow: *.txt", ALLOW)),
    ("tie-allows", "3.1 (ties allow)", "User-agent: *\nDisallow: *.gif\nAllow: *.gif\n", "Bot",
     "/a.gif", ("line 3", "Allow: *.gif", ALLOW)),
    ("no-rules-no-statement", "3.1", "User-agent: *\n", "Bot", "/a.gif", None),
    ("html-soft-404", "3.1 (own)", "  <!DOCTYPE html><html>User-agent: *\nDisallow: /", "Bot",
     "/a", None),
    ("markdown-not-spawning", "3.2 (avelino.run)", "# My site\n\nSome *prose* here.\n", "Bot",
     "/a", None),
]
# fmt: on


@pytest.mark.parametrize(
    ("body", "agent", "url", "expected"),
    [pytest.param(*c[2:], id=f"{c[0]} [{c[1]}]") for c in CASES],
)
def test_statement(
    body: str, agent: str, url: str, expected: tuple[str, str, Permission] | None
) -> None:
    statement = parse_ai_txt(body, source="https://e.example/ai.txt").value.statement(url, agent)
    if expected is None:
        assert statement is None
        return
    assert statement is not None
    assert statement.signal is Signal.AI_TXT
    assert statement.source == "https://e.example/ai.txt"
    assert (statement.location, statement.rule, dict(statement.uses)) == (
        expected[0],
        expected[1],
        {Use.AI_TRAIN: expected[2]},
    )


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        pytest.param(
            "User-agent: *\nDisallow: /\n",
            "text/html; charset=utf-8",
            "ai-txt-html",
            id="content-type-html",
        ),
        pytest.param(b"\xef\xbb\xbf\n<html><head>", None, "ai-txt-html", id="html-after-bom"),
        pytest.param("<HEAD><title>404</title>", "text/plain", "ai-txt-html", id="head-tag"),
        pytest.param("# ai.txt\nWe welcome AI.\n", "text/plain", "ai-txt-not-spawning", id="prose"),
    ],
)
def test_not_a_spawning_file(body: str | bytes, content_type: str | None, code: str) -> None:
    result = parse_ai_txt(body, content_type=content_type)
    assert [d.code for d in result.diagnostics] == [code]
    assert result.value.statement("/a.jpg", "Bot") is None


def test_plain_text_content_type_is_parsed() -> None:
    result = parse_ai_txt(EXAMPLE_B, content_type="text/plain")
    assert result.diagnostics == ()
    assert result.value.statement("/a", "Bot") is not None


def test_diagnostics_keep_line_numbers() -> None:
    result = parse_ai_txt("User-agent: *\r\nAttribution: me\r\nDisallow: /\r\n")
    assert [(d.code, d.line, d.kind) for d in result.diagnostics] == [
        ("unknown-directive", 2, "ai.txt")
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(
            AiTxtSpec(disallow=("*.jpg", "*.png"), allow_rest=True),
            "User-Agent: *\nDisallow: *.jpg\nDisallow: *.png\nAllow: /\n",
            id="block-images",
        ),
        pytest.param(
            AiTxtSpec(allow=("*.txt",)),
            "User-Agent: *\nAllow: *.txt\nDisallow: /\n",
            id="allow-text-only",
        ),
        pytest.param(AiTxtSpec(), "User-Agent: *\nDisallow: /\n", id="block-all"),
    ],
)
def test_render(spec: AiTxtSpec, expected: str) -> None:
    text = render_ai_txt(spec)
    assert text.startswith("# Spawning AI\n")
    assert text.endswith(expected)
    assert parse_ai_txt(text).diagnostics == ()


def test_type_error_on_wrong_argument() -> None:
    with pytest.raises(TypeError):
        parse_ai_txt(None)  # type: ignore[arg-type]
