"""RSL 1.0 reader/writer: content selection, usage hierarchy, payment, discovery headers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from heedful.policies.model import LicenseOffer, Permission, Signal, Use
from heedful.policies.signals.rsl.document import (
    MAX_RSL_BYTES,
    RSL_NS,
    RslContent,
    RslDocument,
    RslLicense,
    parse_rsl,
    render_rsl,
    rsl_link_urls,
)

D, A, L, U = Permission.DENY, Permission.ALLOW, Permission.LICENSE, Permission.UNKNOWN
SRC = "https://news.example/license.xml"

EXAMPLE_63A = """<?xml version="1.0" encoding="UTF-8"?>
<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/">
    <license>
      <permits type="usage">search</permits>
      <prohibits type="usage">ai-train</prohibits>
    </license>
  </content>
</rsl>"""

EXAMPLE_63B = """<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/articles/*" server="https://license.example.net/">
    <license>
      <permits type="usage">ai-input ai-index search</permits>
      <prohibits type="usage">ai-train</prohibits>
      <payment type="crawl"><amount currency="USD">0.01</amount></payment>
    </license>
  </content>
</rsl>"""


def rsl(*contents: str, ns: str = f' xmlns="{RSL_NS}"') -> str:
    return f"<rsl{ns}>" + "".join(contents) + "</rsl>"


def content(url: str, *licenses: str, server: str = "") -> str:
    attr = f' server="{server}"' if server else ""
    return f'<content url="{url}"{attr}>' + "".join(licenses) + "</content>"


def lic(permits: str | None = None, prohibits: str | None = None, payment: str = "") -> str:
    out = "<license>"
    if permits is not None:
        out += f'<permits type="usage">{permits}</permits>'
    if prohibits is not None:
        out += f'<prohibits type="usage">{prohibits}</prohibits>'
    return out + payment + "</license>"


ALL_USES = (Use.TDM, Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH)

# (id, source, document, url, expected {use: permission} for TDM, AI_TRAIN, AI_INPUT, SEARCH)
DECISION_CASES = [
    ("6.3-a search allowed", "standards.md 6.3-a", EXAMPLE_63A, "/news/1", (U, D, U, A)),
    ("6.3-b article: licence", "standards.md 6.3-b", EXAMPLE_63B, "/articles/9", (U, D, L, L)),
    ("6.3-b outside scope", "standards.md 6.3-b", EXAMPLE_63B, "/about", None),
    (
        "prohibits all",
        "standards.md 12.4 (RSL prohibits all)",
        rsl(content("/", lic(prohibits="all"))),
        "/x",
        (D, D, D, D),
    ),
    (
        "prohibits ai-all",
        "standards.md 12.4 (RSL prohibits ai-all)",
        rsl(content("/", lic(permits="search", prohibits="ai-all"))),
        "/x",
        (U, D, D, A),
    ),
    (
        "prohibits ai-index -> ai-input only",
        "standards.md 12.4 note 6",
        rsl(content("/", lic(permits="search ai-train", prohibits="ai-index"))),
        "/x",
        (U, A, D, A),
    ),
    (
        "prohibits beats permits (same licence)",
        "standards.md 6.3 Recommendation",
        rsl(content("/", lic(permits="all", prohibits="search"))),
        "/x",
        (A, A, A, D),
    ),
    (
        "prohibit in any licence beats a free permit",
        "own (nothing permits it freely)",
        rsl(content("/", lic(permits="ai-train"), lic(prohibits="ai-train"))),
        "/x",
        (A, D, A, A),  # the second licence has no <permits>: it permits all but ai-train
    ),
    (
        "free permit beats paid",
        "own (nothing permits it freely)",
        rsl(
            content(
                "/",
                lic(permits="ai-train", payment='<payment type="training"/>'),
                lic(permits="ai-train"),
            )
        ),
        "/x",
        (U, A, U, U),
    ),
    (
        "paid permit is a licence",
        "standards.md 12.4 (RSL permits X with payment)",
        rsl(content("/", lic(permits="ai-all", payment='<payment type="purchase"/>'))),
        "/x",
        (U, L, L, U),
    ),
    (
        "attribution is free",
        "own (brief: attribution counts as free)",
        rsl(content("/", lic(permits="ai-train", payment='<payment type="attribution"/>'))),
        "/x",
        (U, A, U, U),
    ),
    (
        "server= means licence even if free",
        "standards.md 6.3 (server)",
        rsl(content("/", lic(permits="ai-train"), server="https://ls.example")),
        "/x",
        (U, L, U, U),
    ),
    (
        "no permits element permits every usage",
        "standards.md 6.3 Recommendation",
        rsl(content("/", lic(prohibits="ai-train"))),
        "/x",
        (A, D, A, A),
    ),
    (
        "unlisted uses stay unknown",
        "own (brief)",
        rsl(content("/", lic(permits="search"))),
        "/x",
        (U, U, U, A),
    ),
    (
        "longest content wins",
        "standards.md 6.3 Recommendation",
        rsl(
            content("/", lic(prohibits="all")),
            content("/open/", lic(permits="all")),
        ),
        "/open/data.csv",
        (A, A, A, A),
    ),
    (
        "absolute content url",
        "standards.md 6.3 (url absolute)",
        rsl(content("https://news.example/blog/", lic(prohibits="ai-train"))),
        "https://news.example/blog/post",
        (A, D, A, A),
    ),
    (
        "absolute url on another host",
        "standards.md 6.3 (url absolute)",
        rsl(content("https://other.example/", lic(prohibits="ai-train"))),
        "https://news.example/blog/post",
        None,
    ),
    (
        "draft token read when prohibiting",
        "own (msoucy.me)",
        rsl(content("/", lic(prohibits="train-ai, ai-summarize"))),
        "/x",
        (A, D, D, A),
    ),
    (
        "draft token not read when permitting",
        "own (RSL guide ai-preferences)",
        rsl(content("/", lic(permits="train-ai"))),
        "/x",
        (U, U, U, U),
    ),
    (
        "no namespace read leniently",
        "own",
        rsl(content("/", lic(prohibits="ai-train")), ns=""),
        "/x",
        (A, D, A, A),
    ),
    (
        "user condition makes a permit a licence",
        "standards.md 6.3 Recommendation (user/geo)",
        rsl(
            content(
                "/",
                '<license><permits type="usage">ai-train</permits>'
                '<permits type="user">non-commercial</permits></license>',
            )
        ),
        "/x",
        (U, L, U, U),
    ),
]


@pytest.mark.parametrize(
    ("document", "url", "expected"),
    [case[2:] for case in DECISION_CASES],
    ids=[case[0] for case in DECISION_CASES],
)
def test_statement_uses(document: str, url: str, expected: tuple[Permission, ...] | None) -> None:
    statement = parse_rsl(document, source=SRC).value.statement(url)
    if expected is None:
        assert statement is None
        return
    assert statement is not None
    assert statement.signal is Signal.RSL
    assert statement.source == SRC
    got = tuple(statement.uses.get(use, U) for use in ALL_USES)
    assert got == expected


def test_63b_offer_and_location() -> None:
    statement = parse_rsl(EXAMPLE_63B, source=SRC).value.statement(
        "https://news.example/articles/1"
    )
    assert statement is not None
    offer = statement.offer
    assert offer is not None
    assert offer.scope == "/articles/*"
    # The terms a licence server is asked for are the <license> as offered, read back whole.
    assert (
        parse_rsl(
            f'<rsl xmlns="https://rslstandard.org/rsl"><content url="/">{offer.license_xml}</content></rsl>',
            source=SRC,
        )
        .value.contents[0]
        .licenses
        == parse_rsl(EXAMPLE_63B, source=SRC).value.contents[0].licenses
    )
    assert replace(offer, scope="", license_xml="") == LicenseOffer(
        url=SRC, payment="crawl", amount="USD 0.01", server="https://license.example.net/"
    )
    assert statement.location == 'line 2 <content url="/articles/*">'
    assert statement.rule.startswith('<content url="/articles/*" server=')
    assert statement.rule.endswith("</content>")
    assert "licence server" in statement.note


def test_copyright_and_attribution_in_offer() -> None:
    doc = rsl(
        content(
            "/",
            '<license><permits type="usage">ai-train</permits><payment type="attribution"/>'
            "<copyright>Jane Doe</copyright></license>",
            server="https://ls",
        )
    )
    statement = parse_rsl(doc, source=SRC).value.statement("/a")
    assert statement is not None
    assert statement.offer is not None
    assert statement.offer.copyright == "Jane Doe"
    assert statement.offer.payment == "attribution"
    assert "attribution required" in statement.note


# (id, source, document, expected codes, first line)
DIAGNOSTIC_CASES = [
    ("6.3-a clean", "standards.md 6.3-a", EXAMPLE_63A, {}),
    (
        "typographic quotes",
        "own (corpus getting-started)",
        f'<rsl xmlns="{RSL_NS}">\n<content url=\u201d/\u201d>\n</content></rsl>',
        {"rsl-not-well-formed": 2},
    ),
    (
        "no namespace",
        "own",
        rsl(content("/", lic(prohibits="all")), ns=""),
        {"rsl-no-namespace": 1},
    ),
    (
        "other namespace",
        "own",
        rsl(content("/", lic(prohibits="all")), ns=' xmlns="urn:x"'),
        {"rsl-wrong-namespace": 1},
    ),
    ("wrong root", "own", "<rss><content url='/'/></rss>", {"rsl-wrong-root": 1}),
    (
        "unknown usage",
        "own",
        rsl(content("/", lic(prohibits="scraping"))),
        {"rsl-unknown-usage": 1},
    ),
    (
        "draft token and commas",
        "own (corpus msoucy.me)",
        rsl(content("/", lic(prohibits="train-ai,ai-train"))),
        {"rsl-draft-token": 1, "rsl-comma-tokens": 1},
    ),
    (
        "missing url",
        "standards.md 6.3 (url REQUIRED)",
        rsl("<content>" + lic(prohibits="all") + "</content>"),
        {"rsl-content-missing-url": 1, "rsl-no-content": 1},
    ),
    ("content without licence", "own", rsl(content("/")), {"rsl-content-without-license": 1}),
    (
        "unknown payment",
        "own",
        rsl(content("/", lic(permits="all", payment='<payment type="barter"/>'))),
        {"rsl-unknown-payment": 1},
    ),
    (
        "entity declaration forbidden",
        "own (defusedxml)",
        '<!DOCTYPE r [<!ENTITY a "b">]><rsl xmlns="https://rslstandard.org/rsl"/>',
        {"rsl-forbidden-xml": 0},
    ),
    ("empty input", "own", "", {"rsl-not-well-formed": 1}),
]


@pytest.mark.parametrize(
    ("document", "codes"),
    [case[2:] for case in DIAGNOSTIC_CASES],
    ids=[case[0] for case in DIAGNOSTIC_CASES],
)
def test_diagnostics(document: str, codes: dict[str, int]) -> None:
    result = parse_rsl(document)
    assert {d.code: d.line for d in result.diagnostics} == codes
    assert all(d.kind == "rsl" for d in result.diagnostics)


def test_errors_leave_no_contents() -> None:
    for document in (
        "<rsl",
        f'<rsl xmlns="{RSL_NS}"><content url=\u201d/\u201d/></rsl>',
        rsl(content("/", lic(prohibits="all")), ns=' xmlns="urn:x"'),
    ):
        assert parse_rsl(document).value.contents == ()


def test_too_large() -> None:
    body = rsl(content("/", lic(prohibits="all"))) + " " * MAX_RSL_BYTES
    result = parse_rsl(body.encode())
    assert result.value.contents == ()
    assert [d.code for d in result.diagnostics] == ["rsl-too-large"]


def test_str_with_declared_encoding() -> None:
    doc = '<?xml version="1.0" encoding="ISO-8859-1"?>' + rsl(
        content("/", lic(prohibits="all"), server=""), '<content url="/é">' + lic() + "</content>"
    )
    result = parse_rsl(doc)
    assert [c.url for c in result.value.contents] == ["/", "/é"]


def test_wrong_type_raises() -> None:
    with pytest.raises(TypeError):
        parse_rsl(None)  # type: ignore[arg-type]


def test_render_round_trip_full_model() -> None:
    doc = RslDocument(
        contents=(
            RslContent(
                url="/articles/*",
                server="https://ls.example/",
                copyright="Ex & Co",
                copyright_type="organization",
                copyright_email="r@ex.example",
                terms="https://ex.example/terms",
                schema="https://ex.example/schema.json",
                licenses=(
                    RslLicense(
                        permits_usage=("ai-input", "search"),
                        prohibits_usage=("ai-train",),
                        permits_user=("non-commercial",),
                        prohibits_geo=("US",),
                        payment_type="crawl",
                        amount="0.01",
                        currency="USD",
                        standard="https://creativecommons.org/licenses/by/4.0/",
                        custom='https://ex.example/buy?a=1&b="2"',
                        legal=(("warranty", "none"), ("", "as is")),
                        terms="https://ex.example/t",
                    ),
                    RslLicense(prohibits_usage=("all",)),
                ),
            ),
            RslContent(url="https://ex.example/", licenses=(RslLicense(payment_type="free"),)),
        )
    )
    text = render_rsl(doc)
    parsed = parse_rsl(text)
    assert parsed.diagnostics == ()
    assert parsed.value.contents == doc.contents


# --- Link header discovery (6.2) ------------------------------------------------------------

LINK_CASES = [
    (
        "6.2 form",
        "standards.md 6.2",
        {"Link": '<https://news.example/license.xml>; rel="license"; type="application/rsl+xml"'},
        ["https://news.example/license.xml"],
    ),
    (
        "relative, unquoted, case",
        "standards.md 6.2",
        {"link": "</license.xml>; REL=License; Type=Application/RSL+XML"},
        ["https://news.example/license.xml"],
    ),
    (
        "comma-separated links",
        "RFC 8288",
        {
            "Link": '<https://cdn.example/a.css>; rel="preload", '
            '</l.xml>; rel="license"; type="application/rsl+xml", '
            '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
        },
        ["https://news.example/l.xml"],
    ),
    (
        "several Link fields, duplicates once",
        "RFC 9110 5.3",
        [
            ("Link", '</a.xml>; rel="license"; type="application/rsl+xml"'),
            ("Content-Type", "text/html"),
            ("LINK", '</b.xml>; rel="nofollow license"; type="application/rsl+xml"'),
            ("Link", '</a.xml>; rel="license"; type="application/rsl+xml"'),
        ],
        ["https://news.example/a.xml", "https://news.example/b.xml"],
    ),
    (
        "licence without RSL type is ignored",
        "standards.md 6.2",
        {"Link": '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'},
        [],
    ),
    ("no Link", "own", {"Content-Type": "text/html"}, []),
    ("garbage", "own", {"Link": "not a link; rel=license"}, []),
]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [case[2:] for case in LINK_CASES],
    ids=[case[0] for case in LINK_CASES],
)
def test_link_urls(headers: dict[str, str] | list[tuple[str, str]], expected: list[str]) -> None:
    assert rsl_link_urls(headers, base="https://news.example/articles/1") == expected


def test_server_of_one_content_does_not_make_another_contents_free_terms_paid() -> None:
    doc = parse_rsl(
        """<rsl xmlns="https://rslstandard.org/rsl">
        <content url="/" server="https://lic.example/"><license>
          <permits type="usage">ai-train</permits>
          <payment type="crawl"><amount currency="USD">0.01</amount></payment></license></content>
        <content url="/"><license><permits type="usage">search</permits></license></content>
        </rsl>"""
    ).value
    statement = doc.statement("https://pub.example/a")
    assert statement is not None
    assert statement.uses[Use.SEARCH] is Permission.ALLOW
    assert statement.uses[Use.AI_TRAIN] is Permission.LICENSE
