"""The removals list (``/.well-known/heedful/removals.json``): reader, writer, statements."""

from __future__ import annotations

import json

import pytest

from heedful.policies.diagnostics import Severity
from heedful.policies.model import Permission, Signal, Use
from heedful.policies.signals.removals import (
    AI_USES,
    MAX_REMOVALS_BYTES,
    REMOVALS_PATH,
    Removal,
    Removals,
    parse_removals,
    render_removals,
    withdrawn_uses,
)

AI_TRAIN_ONLY = (Use.AI_TRAIN, Use.GENAI_TRAIN)
NO_USES = ("removals-no-uses", Severity.ERROR)
UNKNOWN = ("removals-unknown-use", Severity.WARNING)

SRC = "https://site.example" + REMOVALS_PATH
PHOTO = "https://site.example/photos/42"
GALLERY = "https://site.example/photos/jane/"

# (id, source, removal, url, covered)
COVER_CASES = [
    ("exact url", "own: removals.py docstring", Removal(url=PHOTO), PHOTO, True),
    ("exact ignores fragment", "own", Removal(url=PHOTO), PHOTO + "#top", True),
    ("exact is not a prefix", "own", Removal(url=PHOTO), PHOTO + "1", False),
    ("exact differs by query", "own", Removal(url=PHOTO), PHOTO + "?size=l", False),
    ("prefix covers below", "own", Removal(url=GALLERY, prefix=True), GALLERY + "1.jpg", True),
    ("prefix covers itself", "own", Removal(url=GALLERY, prefix=True), GALLERY, True),
    ("prefix not a sibling", "own", Removal(url=GALLERY, prefix=True), PHOTO, False),
    ("other origin", "own", Removal(url=PHOTO), "https://other.example/photos/42", False),
]


@pytest.mark.parametrize(
    ("removal", "url", "covered"), [c[2:] for c in COVER_CASES], ids=[c[0] for c in COVER_CASES]
)
def test_removal_covers(removal: Removal, url: str, covered: bool) -> None:
    assert removal.covers(url) is covered


def test_statement_withdraws_every_ai_use_keeps_search_and_names_the_entry() -> None:
    removals = Removals(
        entries=(Removal(url=GALLERY, prefix=True, approved_at="2026-11-24T09:30:00Z"),),
        source=SRC,
    )
    stmt = removals.statement(GALLERY + "7.jpg")
    assert stmt is not None
    assert stmt.signal is Signal.REMOVALS
    assert stmt.source == SRC
    assert stmt.location == "$.removals[0]"
    assert dict(stmt.uses) == {
        Use.TDM: Permission.DENY,
        Use.AI_TRAIN: Permission.DENY,
        Use.GENAI_TRAIN: Permission.DENY,
        Use.AI_INPUT: Permission.DENY,
        Use.SEARCH: Permission.UNKNOWN,
    }
    assert stmt.exact
    assert json.loads(stmt.rule) == {
        "url": GALLERY,
        "prefix": True,
        "uses": ["tdm", "ai-train", "genai-train", "ai-input"],
        "approved_at": "2026-11-24T09:30:00Z",
    }
    assert "2026-11-24T09:30:00Z" in stmt.note
    assert "search is not withdrawn" in stmt.note
    assert removals.statement(PHOTO) is None


def test_search_is_withdrawn_only_when_named() -> None:
    removals = Removals(entries=(Removal(url=PHOTO, uses=(*AI_USES, Use.SEARCH)),))
    stmt = removals.statement(PHOTO)
    assert stmt is not None
    assert dict(stmt.uses) == dict.fromkeys(Use, Permission.DENY)
    assert "search is not withdrawn" not in stmt.note


# (id, source, named, withdrawn)
WITHDRAWN_CASES = [
    ("tdm takes ai uses, not search", "docs/decisions.md Uses", [Use.TDM], AI_USES),
    ("ai-train takes genai-train", "docs/decisions.md Uses", [Use.AI_TRAIN], AI_TRAIN_ONLY),
    ("ai-input alone", "docs/decisions.md Uses", [Use.AI_INPUT], (Use.AI_INPUT,)),
    ("search alone", "own: named uses only", [Use.SEARCH], (Use.SEARCH,)),
    ("vocabulary order", "own", [Use.SEARCH, Use.AI_INPUT], (Use.AI_INPUT, Use.SEARCH)),
]


@pytest.mark.parametrize(
    ("named", "withdrawn"), [c[2:] for c in WITHDRAWN_CASES], ids=[c[0] for c in WITHDRAWN_CASES]
)
def test_withdrawn_uses(named: list[Use], withdrawn: tuple[Use, ...]) -> None:
    assert withdrawn_uses(named) == withdrawn


def test_two_requests_for_one_work_add_up() -> None:
    removals = Removals(
        entries=(Removal(url=PHOTO, uses=(Use.AI_INPUT,)), Removal(url=PHOTO, uses=(Use.SEARCH,)))
    )
    stmt = removals.statement(PHOTO)
    assert stmt is not None
    denied = {use for use, perm in stmt.uses.items() if perm is Permission.DENY}
    assert denied == {Use.AI_INPUT, Use.SEARCH}


def test_first_covering_entry_is_the_reason() -> None:
    removals = Removals(entries=(Removal(url=PHOTO + "0"), Removal(url=PHOTO)))
    stmt = removals.statement(PHOTO)
    assert stmt is not None
    assert stmt.location == "$.removals[1]"


def test_render_then_parse_round_trips() -> None:
    entries = [
        Removal(url=PHOTO, approved_at="2026-11-24T09:30:00Z"),
        Removal(url=GALLERY, prefix=True, approved_at="2026-11-25T10:00:00Z"),
        Removal(url=PHOTO + "1", uses=(Use.AI_INPUT, Use.SEARCH)),
    ]
    text = render_removals(entries, generated_at="2026-11-25T12:00:00Z")
    document = json.loads(text)
    assert document["version"] == 1
    assert document["generated"] == "2026-11-25T12:00:00Z"
    assert all(
        set(item) == {"url", "prefix", "uses", "approved_at"} for item in document["removals"]
    )
    parsed = parse_removals(text, source=SRC)
    assert parsed.diagnostics == ()
    assert parsed.value.entries == tuple(entries)
    assert parsed.value.source == SRC


def test_render_empty_list() -> None:
    parsed = parse_removals(render_removals([], generated_at="2026-01-01T00:00:00Z"))
    assert parsed.value.entries == ()
    assert parsed.diagnostics == ()


# (id, source, document, expected entry count, expected diagnostic codes)
BAD_CASES = [
    ("not json", "own", "{nope", 0, ["removals-invalid-json"]),
    ("not utf-8", "own", b"\xff\xfe{", 0, ["removals-invalid-json"]),
    ("array at top", "own", "[]", 0, ["removals-no-list"]),
    ("removals not a list", "own", '{"removals": {}}', 0, ["removals-no-list"]),
    (
        "entry without url skipped",
        "own",
        '{"removals": [{"prefix": true}, {"url": "https://a.example/x"}]}',
        1,
        ["removals-bad-entry"],
    ),
    ("empty url skipped", "own", '{"removals": [{"url": ""}]}', 0, ["removals-bad-entry"]),
    (
        "entry not an object",
        "own",
        '{"removals": ["https://a.example/"]}',
        0,
        ["removals-bad-entry"],
    ),
    (
        "prefix must be true exactly",
        "own",
        '{"removals": [{"url": "https://a.example/", "prefix": "yes"}]}',
        1,
        [],
    ),
]


@pytest.mark.parametrize(
    ("document", "count", "codes"), [c[2:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES]
)
def test_bad_documents_give_diagnostics_not_exceptions(
    document: str | bytes, count: int, codes: list[str]
) -> None:
    parsed = parse_removals(document)
    assert len(parsed.value.entries) == count
    assert [d.code for d in parsed.diagnostics] == codes
    assert all(d.severity is Severity.ERROR for d in parsed.diagnostics)


# (id, source, uses as written, withdrawn, diagnostics)
USES_CASES = [
    ("no uses field: every use", "own: lists before the field", None, tuple(Use), []),
    ("named uses", "own", ["ai-input"], (Use.AI_INPUT,), []),
    ("narrower uses follow", "docs/decisions.md Uses", ["tdm"], AI_USES, []),
    ("search named", "own", ["ai-train", "search"], (*AI_TRAIN_ONLY, Use.SEARCH), []),
    (
        "unknown use ignored",
        "own",
        ["ai-input", "teleport"],
        (Use.AI_INPUT,),
        [("removals-unknown-use", Severity.WARNING)],
    ),
    ("empty list: every use", "never read as permission", [], tuple(Use), [NO_USES]),
    ("not a list: every use", "never read as permission", "ai-input", tuple(Use), [NO_USES]),
    ("only unknown: every use", "never read as permission", ["x"], tuple(Use), [UNKNOWN, NO_USES]),
]


@pytest.mark.parametrize(
    ("uses", "withdrawn", "diagnostics"),
    [c[2:] for c in USES_CASES],
    ids=[c[0] for c in USES_CASES],
)
def test_uses_are_read_and_what_cannot_be_read_withdraws_everything(
    uses: object, withdrawn: tuple[Use, ...], diagnostics: list[tuple[str, Severity]]
) -> None:
    entry: dict[str, object] = {"url": PHOTO}
    if uses is not None:
        entry["uses"] = uses
    parsed = parse_removals(json.dumps({"version": 1, "removals": [entry]}))
    assert parsed.value.entries[0].uses == withdrawn
    assert [(d.code, d.severity) for d in parsed.diagnostics] == diagnostics


def test_string_prefix_is_not_read_as_a_prefix() -> None:
    parsed = parse_removals('{"removals": [{"url": "https://a.example/", "prefix": "yes"}]}')
    assert parsed.value.entries[0].prefix is False


def test_oversized_list_is_not_read() -> None:
    parsed = parse_removals(b" " * (MAX_REMOVALS_BYTES + 1))
    assert parsed.value.entries == ()
    assert [d.code for d in parsed.diagnostics] == ["removals-too-large"]


def test_wrong_argument_type_raises() -> None:
    with pytest.raises(TypeError):
        parse_removals(42)  # type: ignore[arg-type]
