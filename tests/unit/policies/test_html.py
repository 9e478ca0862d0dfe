"""The HTML <head> extractor (standards.md 2.5, 6.2, 7.1)."""

from __future__ import annotations

import pytest

from heedful.policies.html import MAX_HEAD_BYTES, HeadLink, HeadMeta, parse_html_head
from tests.conftest import data_path


def names(data: bytes | str, **kwargs: str) -> list[tuple[str, str]]:
    return [(meta.name, meta.content) for meta in parse_html_head(data, **kwargs).value.metas]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<html><head><meta name="robots" content="noai"></head><body></body></html>',
         [("robots", "noai")]),
        ('<head><meta name="robots" content="noai"></head><meta name="robots" content="none">',
         [("robots", "noai")]),
        ('<meta name="a" content="1"><body><meta name="robots" content="noai">', [("a", "1")]),
        ('<META NAME="ROBOTS" CONTENT="NoAI">', [("robots", "NoAI")]),
        ("<meta name=robots content=noai>", [("robots", "noai")]),
        ('<meta name=" Robots " content="a &amp; b">', [("robots", "a & b")]),
        ('<meta name="robots">', [("robots", "")]),
        ('<meta content="x"><meta charset="utf-8">', []),
        ('<meta name="robots" name="other" content="noai">', [("robots", "noai")]),
        ('<script>"<meta name=robots content=noai>"</script><meta name="x" content="y">',
         [("x", "y")]),
        ("<!-- <meta name=robots content=noai> --><meta name=x content=y>", [("x", "y")]),
        ('<head><meta name="a" content="1"<meta name="b" content="2"></head>', [("a", "1")]),
        ("<p>unclosed <b <meta name=x content=y>", []),
        ('<![if IE]><meta name="x" content="y"><![endif]>', [("x", "y")]),
        ("", []),
    ],
    ids=["plain", "after-head-end", "after-body", "uppercase", "unquoted", "entities-and-spaces",
         "no-content", "unnamed", "duplicate-attr-first-wins", "inside-script", "inside-comment",
         "broken-tag", "broken-attr", "conditional-comment", "empty"],
)  # fmt: skip
def test_metas(html: str, expected: list[tuple[str, str]]) -> None:
    assert names(html) == expected


def test_index_and_line() -> None:
    html = '<head>\n<meta charset="utf-8">\n<meta name="robots" content="noai">\n</head>'
    [meta] = parse_html_head(html).value.metas
    assert meta == HeadMeta(name="robots", content="noai", index=1, line=3)


def test_rsl_license_link() -> None:
    html = (
        '<head><link rel="License" type="Application/RSL+XML" href=" https://ex.example/l.xml ">'
        '<link rel="stylesheet  alternate" href="/s.css"></head>'
    )
    links = parse_html_head(html).value.links
    assert links == (
        HeadLink(
            rel="license", type="application/rsl+xml", href="https://ex.example/l.xml", line=1
        ),
        HeadLink(rel="stylesheet alternate", type="", href="/s.css", line=1),
    )


def test_tdmrep_w3c_example() -> None:
    data = data_path("corpus", "tdmrep", "w3c-spec", "html-meta.html").read_bytes()
    result = parse_html_head(data)
    assert [(m.name, m.content, m.line) for m in result.value.metas] == [
        ("tdm-reservation", "1", 5),
        ("tdm-policy", "https://provider.com/policies/policy.json", 6),
    ]
    assert result.diagnostics == ()
    assert not result.value.truncated


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ('<meta name="x" content="é">'.encode("latin-1"), "iso-8859-1", "é"),
        ('<meta charset="windows-1252"><meta name="x" content="é">'.encode("cp1252"), None, "é"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
         '<meta name="x" content="é">'.encode("latin-1"), None, "é"),
        ('<meta name="x" content="é">'.encode(), None, "é"),
        (b"\xef\xbb\xbf" + '<meta name="x" content="é">'.encode(), "latin-1", "é"),
        ('<meta name="x" content="é">'.encode("utf-16"), None, "é"),
        ('<meta name="x" content="日本">'.encode("shift_jis"), "Shift_JIS", "日本"),
    ],
    ids=["transport-charset", "meta-charset", "http-equiv", "utf8-default", "bom-wins",
         "utf16-bom", "shift-jis"],
)  # fmt: skip
def test_charset(data: bytes, charset: str | None, expected: str) -> None:
    result = parse_html_head(data, charset=charset)
    assert [m.content for m in result.value.metas if m.name == "x"] == [expected]
    assert result.diagnostics == ()


@pytest.mark.parametrize(
    ("data", "charset", "code"),
    [
        (b'<meta name="x" content="\xff\xfe\xe9">', None, "html-undecodable"),
        (b'<meta name="x" content="y">', "no-such-charset", "html-charset-unknown"),
        (b'<meta charset="bogus"><meta name="x" content="y">', None, "html-charset-unknown"),
        (b'<meta name="x" content="y">', "base64", "html-charset-unknown"),
    ],
    ids=["undecodable", "unknown-transport", "unknown-meta", "not-a-text-encoding"],
)
def test_charset_diagnostics(data: bytes, charset: str | None, code: str) -> None:
    result = parse_html_head(data, charset=charset)
    assert code in {d.code for d in result.diagnostics}
    assert [m.name for m in result.value.metas] == ["x"]


def test_truncated_without_head_end() -> None:
    data = b'<meta name="robots" content="noai">' + b"<!-- pad -->" * (MAX_HEAD_BYTES // 10)
    result = parse_html_head(data)
    assert result.value.truncated
    assert [d.code for d in result.diagnostics] == ["html-head-truncated"]
    assert [m.name for m in result.value.metas] == ["robots"]


def test_meta_past_limit_is_not_read() -> None:
    data = b" " * MAX_HEAD_BYTES + b'<meta name="robots" content="noai">'
    result = parse_html_head(data)
    assert result.value.metas == ()
    assert result.value.truncated


def test_long_document_with_head_end_is_not_truncated() -> None:
    data = b'<meta name="a"></head><body>' + b"x" * (MAX_HEAD_BYTES * 2)
    result = parse_html_head(data)
    assert not result.value.truncated
    assert result.diagnostics == ()


def test_cut_inside_multibyte_character_is_not_undecodable() -> None:
    data = b"<meta name=a>" + b" " * (MAX_HEAD_BYTES - 14) + "é".encode() * 4
    result = parse_html_head(data)
    assert [d.code for d in result.diagnostics] == ["html-head-truncated"]


@pytest.mark.parametrize("value", [None, 3, ["<meta>"]], ids=["none", "int", "list"])
def test_wrong_type_raises(value: object) -> None:
    with pytest.raises(TypeError):
        parse_html_head(value)  # type: ignore[arg-type]
