"""Content-Signal values and keys as sites really write them (issue 15 section 4).

Only ``yes`` and ``no`` are values of the Content Signals Policy, and only ``search``,
``ai-input`` and ``ai-train`` are its signals: anything else is unknown -- never a yes -- and the
diagnostic says what was probably meant, so ``heedful lint`` can tell the site owner.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.model import Permission, Use
from heedful.policies.signals.content_signal import SIGNAL_USES, parse_content_signal

CASES = [
    # value, uses read, diagnostic code, fragment of its message
    ("ai-train=disallow", {}, "content-signal-value", "probably meant ai-train=no"),
    ("ai-input=allow", {}, "content-signal-value", "probably meant ai-input=yes"),
    ("search=true", {}, "content-signal-value", "probably meant search=yes"),
    ("ai-retrieval=no", {}, "content-signal-unknown-key", "probably meant ai-input="),
    ("ai-training=no", {}, "content-signal-unknown-key", "probably meant ai-train="),
    ("ai-train=maybe", {}, "content-signal-value", "only yes or no mean something"),
    ("AI-Train=No, search=yes", {Use.AI_TRAIN: "deny", Use.SEARCH: "allow"}, "", ""),
]


@pytest.mark.parametrize(("value", "uses", "code", "fragment"), CASES, ids=[c[0] for c in CASES])
def test_invalid_values_and_keys_are_unknown_and_say_what_was_meant(
    value: str, uses: dict[Use, str], code: str, fragment: str
) -> None:
    result = parse_content_signal(value)
    assert {use: str(p) for use, p in result.value.uses.items()} == uses
    if code:
        (diagnostic,) = [d for d in result.diagnostics if d.code == code]
        assert fragment in diagnostic.message
        assert "never a yes" in diagnostic.message or code == "content-signal-value"
    else:
        assert not result.diagnostics


@given(st.text(max_size=40).filter(lambda t: "," not in t), st.sampled_from(sorted(SIGNAL_USES)))
def test_only_yes_is_ever_read_as_allow(raw: str, key: str) -> None:
    value = f"{key}={raw}"
    result = parse_content_signal(value)
    if result.value.uses.get(SIGNAL_USES[key]) is Permission.ALLOW:
        assert raw.strip().lower() == "yes"
