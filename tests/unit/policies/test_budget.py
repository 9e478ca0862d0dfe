"""heedful.policies.budget: does a budget cover an offer? Only a readable price in its own currency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.budget import BadMoney, covers, parse_money
from heedful.policies.model import LicenseOffer

BUDGET = parse_money("USD 5.00")


@pytest.mark.parametrize(
    ("amount", "max_price", "covered", "fragment"),
    [
        ("USD 0.02", None, True, "within the budget"),
        ("usd 5", None, True, "within"),
        ("USD 5.01", None, False, "more than the budget"),
        ("USD 0.05", "USD 0.02", False, "more than the max price"),
        ("EUR 0.01", None, False, "priced in EUR"),
        ("", None, False, "states no price"),
        ("0.01", None, False, "is not"),
    ],
)
def test_covers(amount: str, max_price: str | None, covered: bool, fragment: str) -> None:
    offer = LicenseOffer(url="https://pub.example/license.xml", amount=amount)
    found = covers(offer, BUDGET, parse_money(max_price) if max_price else None)
    assert found.covered is covered
    assert fragment in found.reason


def test_a_malformed_offer_is_never_covered() -> None:
    offer = LicenseOffer(url="u", amount="USD 0.01", problem="PAYMENT-REQUIRED: not base64")
    assert not covers(offer, BUDGET).covered


@pytest.mark.parametrize("text", ["5", "USD", "US 5", "USD five", "USD -1", ""])
def test_bad_money_is_refused(text: str) -> None:
    with pytest.raises(BadMoney):
        parse_money(text)


@given(st.text(max_size=30))
def test_any_price_text_is_covered_or_refused_with_a_reason(amount: str) -> None:
    found = covers(LicenseOffer(url="u", amount=amount), BUDGET)
    assert found.reason
