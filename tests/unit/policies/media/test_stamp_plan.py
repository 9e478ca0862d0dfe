"""The PLUS value ``heedful stamp`` writes for what a policy means (docs/decisions.md,
Media-embedded signals, Writing the reservation)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.model import Use, Verdict
from heedful.policies.signals.media.stamp_plan import data_mining_code, reserved_by

A, D, L = Verdict.ALLOW, Verdict.DENY, Verdict.LICENSE


def vector(**said: Verdict) -> dict[Use, Verdict]:
    out = dict.fromkeys(Use, A)
    out.update({Use(k.replace("_", "-")): v for k, v in said.items()})
    return out


@pytest.mark.parametrize(
    ("verdicts", "code", "stricter"),
    [
        (vector(), "DMI-ALLOWED", False),
        (vector(genai_train=D), "DMI-PROHIBITED-GENAIMLTRAINING", False),
        (vector(ai_train=D, genai_train=D), "DMI-PROHIBITED-AIMLTRAINING", False),
        (vector(ai_input=D), "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", True),
        (
            vector(tdm=D, ai_train=D, genai_train=D, ai_input=D),
            "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
            False,
        ),
        (dict.fromkeys(Use, D), "DMI-PROHIBITED", False),
        (dict.fromkeys(Use, L), "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", False),
    ],
)
def test_the_narrowest_value_that_reserves_everything(
    verdicts: dict[Use, Verdict], code: str, stricter: bool
) -> None:
    written, note = data_mining_code(verdicts, licence_url="https://x.example/terms")
    assert written == code
    assert bool(note) is stricter


def test_no_link_no_linked_rights_value() -> None:
    assert data_mining_code(dict.fromkeys(Use, L))[0] == "DMI-PROHIBITED"


@given(st.dictionaries(st.sampled_from(list(Use)), st.sampled_from([A, D, L])))
def test_the_written_value_never_allows_what_the_policy_reserves(extra: dict[Use, Verdict]) -> None:
    verdicts = vector() | extra
    code, _ = data_mining_code(verdicts, licence_url="https://x.example/t")
    reserved = {u for u, v in verdicts.items() if v is not A}
    assert reserved <= reserved_by(code)
