"""The aipref revisions: docs/decisions.md's decision table, checked row by row against the
evaluator under both draft-ietf-aipref-vocab-07 and -08; and the revision travels with the
decision (docs/decisions.md, aipref revisions)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies import decide
from heedful.policies.model import AiprefDraft, Mode, Permission, Use
from heedful.policies.signals.content_usage import parse_content_usage, preference_of
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
TABLE = DOC.split("<!-- aipref-table -->", 1)[1].split("<!-- /aipref-table -->", 1)[0]
ROWS = [
    tuple(cell.strip().strip("`") for cell in line.strip().strip("|").split("|"))
    for line in TABLE.strip().splitlines()[2:]
]
URL = "https://pub.example/article"


def test_the_table_has_rows() -> None:
    assert len(ROWS) >= 15
    assert all(len(row) == 4 for row in ROWS)


@pytest.mark.parametrize("draft", list(AiprefDraft), ids=lambda d: f"vocab-{d}")
@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]} / {r[1]}" for r in ROWS])
def test_decision_table_row(row: tuple[str, str, str, str], draft: AiprefDraft) -> None:
    value, use, vocab07, vocab08 = row
    expected = vocab07 if draft is AiprefDraft.VOCAB_07 else vocab08
    for where in ("header", "robots"):
        if where == "header":
            decision = decide(
                URL,
                robots_txt=None,
                status=200,
                headers=[("Content-Usage", value)],
                use=use,
                mode=Mode.CONSENT,
                aipref_draft=draft,
            )
        else:
            decision = decide(
                URL,
                robots_txt=f"User-agent: *\nAllow: /\nContent-Usage: {value}\n",
                use=use,
                mode=Mode.CONSENT,
                aipref_draft=draft,
            )
        assert decision.uses[Use(use)] is Permission(expected), (where, decision.reasons)
        assert decision.aipref_draft == draft.value
        assert decision.as_dict()["aipref_draft"] == draft.value


def test_ai_use_allow_is_an_explicit_allow_only_under_vocab_08() -> None:
    # Consent mode needs an explicit allow: -07 ignores ai-use=y (a legacy label), -08 grants.
    verdicts = {
        draft: decide(
            URL,
            status=200,
            headers=[("Content-Usage", "ai-use=y")],
            use=Use.AI_INPUT,
            mode=Mode.CONSENT,
            aipref_draft=draft,
        ).verdict
        for draft in AiprefDraft
    }
    assert verdicts == {AiprefDraft.VOCAB_07: "deny", AiprefDraft.VOCAB_08: "allow"}


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        ("Content-Usage: train-ai=n", "train-ai=n"),
        ("content-usage : /a/ train-ai=n, search=y # c", "train-ai=n, search=y"),
        ("Content-Usage:\t/a/\tai-use=y", "ai-use=y"),
        ("ai-use=n", "ai-use=n"),
    ],
)
def test_preference_of_a_statement_rule(rule: str, value: str) -> None:
    assert preference_of(rule) == value


@pytest.mark.parametrize("label", ["rag-ground", "infer-user", "infer-system", "ai-train"])
def test_labels_no_revision_has_say_what_was_meant(label: str) -> None:
    parsed = parse_content_usage(f"{label}=n")
    assert parsed.value.uses == {}
    (diag,) = parsed.diagnostics
    assert diag.code == "content-usage-not-in-vocabulary"
    assert "probably meant" in diag.message


@given(st.text(max_size=80), st.sampled_from(list(AiprefDraft)))
def test_every_revision_reads_any_text(value: str, draft: AiprefDraft) -> None:
    parsed = parse_content_usage(value, draft=draft)
    assert set(parsed.value.uses) <= set(Use)
    assert re.sub(r"\s", "", preference_of(value)) is not None
