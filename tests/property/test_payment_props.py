"""The 402 reader is total: any challenge, however malformed, is a licence offer with its
problem recorded, never an exception and never a yes (docs/decisions.md, HTTP 402 dialects)."""

from __future__ import annotations

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.fetch.page_access import page_access
from heedful.policies.model import Permission, Use
from heedful.policies.signals.payment import parse_x402

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=20,
)
NAMES = st.sampled_from(
    ["PAYMENT-REQUIRED", "crawler-price", "WWW-Authenticate", "Link", "payment-required", "X"]
)


def _encoded(document: object) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


@given(st.text(max_size=300))
def test_parse_x402_never_raises_on_text(value: str) -> None:
    terms, problem = parse_x402(value)
    assert all(isinstance(v, str) for v in terms.values())
    assert isinstance(problem, str)


@given(JSON)
def test_parse_x402_reads_any_json_document(document: object) -> None:
    _terms, problem = parse_x402(_encoded(document))
    # Only a valid v2 object is problem-free; everything else says why.
    if not isinstance(document, dict) or document.get("x402Version") != 2:
        assert problem


@given(st.lists(st.tuples(NAMES, st.text(max_size=120) | JSON.map(_encoded)), max_size=6))
def test_every_402_is_a_licence_offer(headers: list[tuple[str, str]]) -> None:
    statement = page_access(402, headers, source="https://pub.example/a")
    assert statement is not None
    assert dict(statement.uses) == dict.fromkeys(Use, Permission.LICENSE)
    assert statement.offer is not None
    assert statement.offer.dialect
