"""TDMRep reader/writer: the site-wide file, headers, meta and the 2.7 layering."""

from __future__ import annotations

import json

import pytest

from heedful.policies.diagnostics import Severity
from heedful.policies.model import LicenseOffer, Permission, Signal, Use
from heedful.policies.signals.tdmrep import (
    MAX_TDMREP_BYTES,
    TdmRule,
    parse_tdmrep,
    render_tdmrep,
    render_tdmrep_headers,
    render_tdmrep_meta,
    resolve_tdmrep,
    tdmrep_header_statement,
    tdmrep_meta_statement,
)

D, A, L = Permission.DENY, Permission.ALLOW, Permission.LICENSE
SRC = "https://pub.example/.well-known/tdmrep.json"

EXAMPLE_23A = """[
  { "location": "/", "tdm-reservation": 1 }
]"""

EXAMPLE_23B = """[
  { "location": "/open-data/", "tdm-reservation": 0 },
  { "location": "/articles/*.pdf$", "tdm-reservation": 1,
    "tdm-policy": "https://pub.example/policies/tdm-1.json" },
  { "location": "/", "tdm-reservation": 1,
    "tdm-policy": "https://pub.example/tdm-licensing.html" }
]"""

# (id, source, document, url, expected TDM permission or None, policy, location)
FILE_CASES = [
    ("2.3-a root", "standards.md 2.3-a", EXAMPLE_23A, "https://pub.example/", D, "", "$[0]"),
    ("2.3-a deep", "standards.md 2.3-a", EXAMPLE_23A, "/a/b/c.html?q=1", D, "", "$[0]"),
    ("2.3-b open-data", "standards.md 2.3-b", EXAMPLE_23B, "/open-data/x.csv", A, "", "$[0]"),
    (
        "2.3-b pdf",
        "standards.md 2.3-b",
        EXAMPLE_23B,
        "/articles/2024/a.pdf",
        L,
        "https://pub.example/policies/tdm-1.json",
        "$[1]",
    ),
    (
        "2.3-b about",
        "standards.md 2.3-b",
        EXAMPLE_23B,
        "/about",
        L,
        "https://pub.example/tdm-licensing.html",
        "$[2]",
    ),
    (
        "2.3-b pdf anchored: .pdf? query falls through",
        "standards.md 2.3-b ($ anchors the end)",
        EXAMPLE_23B,
        "/articles/a.pdf?x=1",
        L,
        "https://pub.example/tdm-licensing.html",
        "$[2]",
    ),
    (
        "no rule matches -> unset",
        "standards.md 2.3",
        '[{"location": "/a/", "tdm-reservation": 1}]',
        "/b",
        None,
        "",
        "",
    ),
    (
        "first match, not longest",
        "standards.md 2.3",
        '[{"location": "/", "tdm-reservation": 0}, {"location": "/x/", "tdm-reservation": 1}]',
        "/x/y",
        A,
        "",
        "$[0]",
    ),
    (
        "string '1' accepted",
        "standards.md 2.3 Recommendation",
        '[{"location": "/", "tdm-reservation": "1"}]',
        "/p",
        D,
        "",
        "$[0]",
    ),
    (
        "policy with 0 ignored",
        "standards.md 2.2",
        '[{"location": "/", "tdm-reservation": 0, "tdm-policy": "https://p"}]',
        "/p",
        A,
        "",
        "$[0]",
    ),
    (
        "invalid rule skipped, next applies",
        "standards.md 2.3 Recommendation",
        '[{"location": "/", "tdm-reservation": 2}, {"location": "/", "tdm-reservation": 1}]',
        "/p",
        D,
        "",
        "$[1]",
    ),
    (
        "percent-encoded unreserved decoded",
        "standards.md 2.3",
        '[{"location": "/%7Euser/", "tdm-reservation": 1}]',
        "/~user/page",
        D,
        "",
        "$[0]",
    ),
]


@pytest.mark.parametrize(
    ("document", "url", "expected", "policy", "location"),
    [case[2:] for case in FILE_CASES],
    ids=[case[0] for case in FILE_CASES],
)
def test_file_statement(
    document: str, url: str, expected: Permission | None, policy: str, location: str
) -> None:
    statement = parse_tdmrep(document, source=SRC).value.statement(url)
    if expected is None:
        assert statement is None
        return
    assert statement is not None
    assert statement.signal is Signal.TDMREP
    assert statement.source == SRC
    assert statement.location == location
    assert dict(statement.uses) == {Use.TDM: expected}
    if policy:
        assert statement.offer == LicenseOffer(url=policy, payment="tdm-policy")
    else:
        assert statement.offer is None


def test_rule_text_keeps_key_order() -> None:
    doc = '[ {"tdm-policy": "https://p", "tdm-reservation": 1, "location": "/"} ]'
    statement = parse_tdmrep(doc).value.statement("/")
    assert statement is not None
    assert statement.rule == '{"tdm-policy":"https://p","tdm-reservation":1,"location":"/"}'


# (id, source, document, expected codes (in order, as a set), severity of the first)
DIAGNOSTIC_CASES = [
    ("valid file is clean", "standards.md 2.3-b", EXAMPLE_23B, set()),
    (
        "object instead of array",
        "own (corpus koji-blog)",
        '{"tdm_reservation": 1, "tdm_policy": "https://x"}',
        {"tdmrep-not-array", "tdmrep-misspelled-property"},
    ),
    ("not JSON", "standards.md 2.3 Recommendation", "[{location: /}]", {"tdmrep-invalid-json"}),
    ("empty body", "own", "", {"tdmrep-invalid-json"}),
    ("empty array", "own", "[]", {"tdmrep-empty"}),
    (
        "string value warns",
        "standards.md 2.3 Recommendation",
        '[{"location": "/", "tdm-reservation": "0"}]',
        {"tdmrep-string-value"},
    ),
    (
        "invalid value is a protocol error",
        "standards.md 2.2",
        '[{"location": "/", "tdm-reservation": "yes"}]',
        {"tdmrep-invalid-reservation"},
    ),
    (
        "boolean is not 1",
        "standards.md 2.2",
        '[{"location": "/", "tdm-reservation": true}]',
        {"tdmrep-invalid-reservation"},
    ),
    (
        "missing location",
        "standards.md 2.3",
        '[{"tdm-reservation": 1}]',
        {"tdmrep-missing-location"},
    ),
    (
        "missing reservation",
        "standards.md 2.3",
        '[{"location": "/"}]',
        {"tdmrep-missing-reservation"},
    ),
    ("rule not an object", "own", '["/"]', {"tdmrep-rule-not-object"}),
    (
        "unknown property is info",
        "standards.md 2.3 Recommendation",
        '[{"location": "/", "tdm-reservation": 1, "comment": "hi"}]',
        {"tdmrep-unknown-property"},
    ),
    (
        "location without slash",
        "own",
        '[{"location": "articles/", "tdm-reservation": 1}]',
        {"tdmrep-location-not-path"},
    ),
    (
        "root first shadows everything",
        "standards.md 2.3-b (last sentence)",
        '[{"location": "/", "tdm-reservation": 1}, {"location": "/open/", "tdm-reservation": 0}]',
        {"tdmrep-shadowed-rule"},
    ),
    (
        "plain prefix shadows longer prefix",
        "own",
        '[{"location": "/a", "tdm-reservation": 1}, {"location": "/ab*.pdf", "tdm-reservation": 0}]',
        {"tdmrep-shadowed-rule"},
    ),
    (
        "wildcard does not shadow",
        "own",
        '[{"location": "/*.pdf", "tdm-reservation": 1}, {"location": "/a/", "tdm-reservation": 0}]',
        set(),
    ),
    (
        "anchored does not shadow longer",
        "own",
        '[{"location": "/a$", "tdm-reservation": 1}, {"location": "/ab", "tdm-reservation": 0}]',
        set(),
    ),
]


@pytest.mark.parametrize(
    ("document", "codes"),
    [case[2:] for case in DIAGNOSTIC_CASES],
    ids=[case[0] for case in DIAGNOSTIC_CASES],
)
def test_file_diagnostics(document: str, codes: set[str]) -> None:
    result = parse_tdmrep(document)
    assert {d.code for d in result.diagnostics} == codes
    assert all(d.kind == "tdmrep.json" for d in result.diagnostics)


def test_malformed_documents_yield_no_rules() -> None:
    for document in ("{", '{"location": "/", "tdm-reservation": 1}', "1", "null", "[" * 5000):
        assert parse_tdmrep(document).value.rules == ()


def test_invalid_json_reports_its_line() -> None:
    result = parse_tdmrep('[\n  {"location": "/",\n  "tdm-reservation": 1,}\n]')
    assert [(d.code, d.line) for d in result.diagnostics] == [("tdmrep-invalid-json", 3)]


def test_rule_lines_and_shadow_names_both_indexes() -> None:
    doc = '[\n  {"location": "/", "tdm-reservation": 1},\n\n  {"location": "/x",\n "tdm-reservation": 0}\n]'
    result = parse_tdmrep(doc)
    assert [rule.line for rule in result.value.rules] == [2, 4]
    (diag,) = result.diagnostics
    assert (diag.code, diag.line, diag.severity) == ("tdmrep-shadowed-rule", 4, Severity.WARNING)
    assert "$[1]" in diag.message
    assert "$[0]" in diag.message


def test_too_large_is_not_read() -> None:
    body = json.dumps([{"location": "/", "tdm-reservation": 1}]) + " " * MAX_TDMREP_BYTES
    result = parse_tdmrep(body.encode())
    assert result.value.rules == ()
    assert [d.code for d in result.diagnostics] == ["tdmrep-too-large"]


def test_bytes_with_bom_and_bad_utf8() -> None:
    assert parse_tdmrep(b"\xef\xbb\xbf" + EXAMPLE_23A.encode()).value.statement("/") is not None
    result = parse_tdmrep(b'[{"location": "/\xff", "tdm-reservation": 1}]')
    assert "tdmrep-encoding" in {d.code for d in result.diagnostics}


def test_wrong_type_raises() -> None:
    with pytest.raises(TypeError):
        parse_tdmrep(123)  # type: ignore[arg-type]


# --- headers and meta (2.4, 2.5) ------------------------------------------------------------

# (id, source, headers, expected TDM permission or None, policy, diagnostic codes)
HEADER_CASES = [
    ("2.4 reserved", "standards.md 2.4", {"tdm-reservation": "1"}, D, "", set()),
    (
        "2.4 with policy",
        "standards.md 2.4",
        [("TDM-Reservation", "1"), ("tdm-policy", "https://pub.example/policies/tdm-1.json")],
        L,
        "https://pub.example/policies/tdm-1.json",
        set(),
    ),
    ("0 allows", "standards.md 2.2", {"tdm-reservation": " 0 "}, A, "", set()),
    ("absent", "standards.md 2.7", {"content-type": "text/html"}, None, "", set()),
    (
        "invalid value unset",
        "standards.md 2.2",
        {"tdm-reservation": "true"},
        None,
        "",
        {"tdmrep-invalid-reservation"},
    ),
    (
        "conflicting values keep reservation",
        "own (respect the creator)",
        [("tdm-reservation", "0"), ("tdm-reservation", "1")],
        D,
        "",
        {"tdmrep-conflicting-values"},
    ),
    ("quoted value", "own", {"tdm-reservation": '"1"'}, D, "", set()),
    (
        "policy alone",
        "standards.md 2.7 Recommendation",
        {"tdm-policy": "https://p"},
        None,
        "https://p",
        {"tdmrep-policy-without-reservation"},
    ),
]


@pytest.mark.parametrize(
    ("headers", "expected", "policy", "codes"),
    [case[2:] for case in HEADER_CASES],
    ids=[case[0] for case in HEADER_CASES],
)
def test_header_statement(
    headers: dict[str, str] | list[tuple[str, str]],
    expected: Permission | None,
    policy: str,
    codes: set[str],
) -> None:
    result = tdmrep_header_statement(headers, source="https://pub.example/img.jpg")
    assert {d.code for d in result.diagnostics} == codes
    statement = result.value
    if expected is None and not policy:
        assert statement is None
        return
    assert statement is not None
    assert statement.source == "https://pub.example/img.jpg"
    assert statement.uses.get(Use.TDM) == expected
    assert (statement.offer.url if statement.offer else "") == policy
    if expected is not None:
        assert statement.location == "header tdm-reservation"


def test_header_rule_text() -> None:
    statement = tdmrep_header_statement(
        {"tdm-reservation": "1", "tdm-policy": "https://p"}, source="u"
    ).value
    assert statement is not None
    assert statement.rule == "tdm-reservation: 1\ntdm-policy: https://p"


META_CASES = [
    (
        "2.5 example",
        "standards.md 2.5",
        [
            ("charset", "utf-8"),
            ("tdm-reservation", "1"),
            ("tdm-policy", "https://pub.example/policies/tdm-1.json"),
        ],
        L,
    ),
    ("0", "standards.md 2.2", [("tdm-reservation", "0")], A),
    ("none", "standards.md 2.5", [("robots", "noai")], None),
    ("name case-insensitive", "standards.md 2.5 Recommendation", [("TDM-Reservation", "1")], D),
]


@pytest.mark.parametrize(
    ("metas", "expected"),
    [case[2:] for case in META_CASES],
    ids=[case[0] for case in META_CASES],
)
def test_meta_statement(metas: list[tuple[str, str]], expected: Permission | None) -> None:
    statement = tdmrep_meta_statement(metas, source="https://pub.example/a.html").value
    if expected is None:
        assert statement is None
        return
    assert statement is not None
    assert statement.location == "meta[name=tdm-reservation]"
    assert dict(statement.uses) == {Use.TDM: expected}


# --- layering (2.7) -------------------------------------------------------------------------


def _file(reservation: int, policy: str = "") -> object:
    body = render_tdmrep([TdmRule(location="/", reservation=reservation, policy=policy)])
    return parse_tdmrep(body, source=SRC).value.statement("/page")


def _header(**fields: str) -> object:
    headers = {key.replace("_", "-"): value for key, value in fields.items()}
    return tdmrep_header_statement(headers, source="https://pub.example/page").value


def _meta(**fields: str) -> object:
    metas = [(key.replace("_", "-"), value) for key, value in fields.items()]
    return tdmrep_meta_statement(metas, source="https://pub.example/page").value


LAYER_CASES = [
    # (id, source, layers, TDM permission or None, policy, location, note fragment)
    (
        "header 0 overrides file 1",
        "standards.md 2.7",
        lambda: (_file(1), _header(tdm_reservation="0"), None),
        A,
        "",
        "header tdm-reservation",
        "supersedes tdmrep.json $[0] (TDMRep, section Processing priority)",
    ),
    (
        "absence does not reset",
        "standards.md 2.7 step 5",
        lambda: (_file(1), None, None),
        D,
        "",
        "$[0]",
        "",
    ),
    (
        "meta supersedes header",
        "standards.md 2.7 step 3",
        lambda: (None, _header(tdm_reservation="1"), _meta(tdm_reservation="0")),
        A,
        "",
        "meta[name=tdm-reservation]",
        "supersedes header tdm-reservation",
    ),
    (
        "later 1 keeps earlier policy",
        "standards.md 2.7 Recommendation",
        lambda: (_file(1, "https://p/file"), _header(tdm_reservation="1"), None),
        L,
        "https://p/file",
        "header tdm-reservation",
        "tdm-policy from tdmrep.json $[0]",
    ),
    (
        "later 0 drops the policy",
        "standards.md 2.7 Recommendation",
        lambda: (
            _file(1, "https://p/file"),
            _header(tdm_reservation="0"),
            _meta(tdm_reservation="1"),
        ),
        D,
        "",
        "meta[name=tdm-reservation]",
        "supersedes tdmrep.json $[0], header tdm-reservation",
    ),
    (
        "policy alone updates the policy",
        "standards.md 2.7 Recommendation",
        lambda: (_file(1, "https://p/file"), _header(tdm_policy="https://p/header"), None),
        L,
        "https://p/header",
        "$[0]",
        "tdm-policy from header tdm-policy",
    ),
    (
        "policy alone sets nothing",
        "standards.md 2.2",
        lambda: (None, _header(tdm_policy="https://p/header"), None),
        None,
        "",
        "",
        "",
    ),
    ("nothing at all", "standards.md 2.3", lambda: (None, None, None), None, "", "", ""),
]


@pytest.mark.parametrize(
    ("layers", "expected", "policy", "location", "note"),
    [case[2:] for case in LAYER_CASES],
    ids=[case[0] for case in LAYER_CASES],
)
def test_resolve_layers(
    layers: object, expected: Permission | None, policy: str, location: str, note: str
) -> None:
    statement = resolve_tdmrep(*layers())  # type: ignore[operator]
    if expected is None:
        assert statement is None
        return
    assert statement is not None
    assert dict(statement.uses) == {Use.TDM: expected}
    assert (statement.offer.url if statement.offer else "") == policy
    assert statement.location == location
    assert note in statement.note
    if not note:
        assert "supersedes" not in statement.note


# --- writers ---------------------------------------------------------------------------------


def test_render_round_trip_keeps_order() -> None:
    rules = [
        TdmRule(location="/open-data/", reservation=0),
        TdmRule(location="/", reservation=1, policy="https://p"),
    ]
    parsed = parse_tdmrep(render_tdmrep(rules))
    assert parsed.diagnostics == ()
    assert list(parsed.value.rules) == rules


def test_render_headers_and_meta() -> None:
    assert render_tdmrep_headers(1) == {"tdm-reservation": "1"}
    assert render_tdmrep_headers(1, "https://p") == {
        "tdm-reservation": "1",
        "tdm-policy": "https://p",
    }
    assert render_tdmrep_meta(1, "https://p?a=1&b=2") == (
        '<meta name="tdm-reservation" content="1">\n'
        '<meta name="tdm-policy" content="https://p?a=1&amp;b=2">'
    )
    for bad in (2, -1):
        with pytest.raises(ValueError, match="0 or 1"):
            render_tdmrep_headers(bad)
