"""RSL laws: the reader is total, and render -> parse gives a document that decides alike."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.policies.signals.rsl.document import (
    RslContent,
    RslDocument,
    RslLicense,
    parse_rsl,
    render_rsl,
)

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
    max_size=12,
)
"""XML 1.0 cannot carry control characters; the reader strips surrounding whitespace."""
PHRASE = st.builds(lambda a, b: f"{a} {b}".strip(), TEXT, TEXT)
TOKENS = st.lists(
    st.sampled_from(
        [
            "all",
            "ai-all",
            "ai-train",
            "ai-input",
            "ai-index",
            "search",
            "train-ai",
            "ai-summarize",
            "x",
        ]
    ),
    max_size=3,
).map(tuple)
PATTERN = st.builds(
    lambda parts, star: "/" + "/".join(parts) + ("*" if star else ""),
    st.lists(st.sampled_from(["a", "b", "c-d", "é"]), max_size=3),
    st.booleans(),
)
URL = st.one_of(PATTERN, PATTERN.map(lambda p: "https://site.example" + p))


@st.composite
def licenses(draw: st.DrawFn) -> RslLicense:
    payment = draw(st.sampled_from(["", "free", "attribution", "purchase", "crawl", "use"]))
    return RslLicense(
        permits_usage=draw(TOKENS),
        prohibits_usage=draw(TOKENS),
        permits_user=draw(st.sampled_from([(), ("commercial",), ("education", "personal")])),
        prohibits_geo=draw(st.sampled_from([(), ("US",)])),
        payment_type=payment,
        amount=draw(st.sampled_from(["", "0.01"])) if payment else "",
        currency=draw(st.sampled_from(["", "USD"])) if payment else "",
        standard=draw(TEXT) if payment else "",
        custom=draw(TEXT) if payment else "",
        copyright=draw(PHRASE),
        copyright_email=draw(TEXT),
        terms=draw(TEXT),
        legal=tuple(draw(st.lists(st.tuples(TEXT, PHRASE), max_size=2))),
    )


DOCUMENTS = st.builds(
    lambda contents: RslDocument(contents=tuple(contents)),
    st.lists(
        st.builds(
            lambda url, server, lics, holder: RslContent(
                url=url, server=server, licenses=tuple(lics), copyright=holder
            ),
            URL,
            st.sampled_from(["", "https://ls.example/"]),
            st.lists(licenses(), max_size=3),
            PHRASE,
        ),
        max_size=4,
    ),
)
XMLISH = st.text(
    alphabet="<>/=\"' rslcontenturlicensepmitsyg,&;#x\n\u201d",
    max_size=200,
).map(lambda body: '<rsl xmlns="https://rslstandard.org/rsl">' + body)


@settings(max_examples=200)
@given(st.one_of(st.text(max_size=300), XMLISH))
def test_parse_text_never_raises(text: str) -> None:
    parse_rsl(text)


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_parse_bytes_never_raises(data: bytes) -> None:
    parse_rsl(data)


@settings(max_examples=200)
@given(DOCUMENTS, st.lists(URL, min_size=1, max_size=6))
def test_render_parse_round_trip(doc: RslDocument, urls: list[str]) -> None:
    parsed = parse_rsl(render_rsl(doc)).value
    assert parsed.contents == doc.contents
    for url in urls + [content.url.rstrip("*") for content in doc.contents]:
        mine, theirs = doc.statement(url), parsed.statement(url)
        assert (mine is None) == (theirs is None)
        if mine is not None and theirs is not None:
            assert mine.uses == theirs.uses
            assert mine.offer == theirs.offer
