"""The head extractor is total and finds what it is given (standards.md 2.5, 7.1)."""

from __future__ import annotations

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies.html import parse_html_head

CHARSETS = st.sampled_from([None, "utf-8", "latin-1", "shift_jis", "utf-16", "bogus", "base64", ""])
MARKUP = st.lists(
    st.sampled_from(
        ["<head>", "</head>", "<body>", "<meta", "<meta name=", "content=", '"', "'", ">", "<",
         "<!--", "-->", "<![if x]>", "<script>", "</script>", "<link rel=license", "&amp;", "&#",
         "\n", " ", "robots", "noai", "\x00", "é", "<meta charset=latin1>", "<!DOCTYPE html>"]
    )
).map("".join)  # fmt: skip


@settings(max_examples=200)
@given(data=st.binary(max_size=2000), charset=CHARSETS)
def test_never_raises_on_bytes(data: bytes, charset: str | None) -> None:
    result = parse_html_head(data, charset=charset)
    assert all(meta.line >= 1 and meta.index >= 0 for meta in result.value.metas)


@settings(max_examples=200)
@given(text=st.one_of(st.text(max_size=2000), MARKUP))
def test_never_raises_on_text(text: str) -> None:
    result = parse_html_head(text)
    assert all(meta.name == meta.name.strip().lower() for meta in result.value.metas)
    parse_html_head(text.encode("utf-8", "surrogatepass"))


NAME = st.text(st.characters(codec="ascii", categories=("L", "N", "P")), min_size=1, max_size=20)


@settings(max_examples=200)
@given(
    pairs=st.lists(st.tuples(NAME, st.text(max_size=30)), max_size=5),
    encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]),
)
def test_written_metas_are_read_back(pairs: list[tuple[str, str]], encoding: str) -> None:
    body = "".join(
        f'<meta name="{html.escape(name)}" content="{html.escape(content)}">\n'
        for name, content in pairs
    )
    document = f"<html><head>\n{body}</head><body><meta name=late content=x></body>"
    try:
        data = document.encode(encoding)
    except UnicodeEncodeError:
        data = document.encode("utf-8")
        encoding = "utf-8"
    got = parse_html_head(data, charset=encoding).value.metas
    assert [(m.name, m.content) for m in got] == [
        (name.strip().lower(), content) for name, content in pairs
    ]
    assert [m.index for m in got] == list(range(len(pairs)))
