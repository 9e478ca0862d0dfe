"""Would a budget cover a licence offer? Prices read as money, compared, never guessed.

An offer's price is ``<ISO 4217 currency> <decimal>`` (RSL 1.0 ``<amount currency="USD">``,
Cloudflare's ``crawler-price: USD 0.01``). A budget (``USD 5.00``) and an optional most-per-item
price (``--max-price``) cover an offer only when its currency is theirs and its amount is at
most both. An offer with no price, another currency, or a price that cannot be read is not
covered, and the reason says which: what cannot be read is never read as affordable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from heedful.policies.model import LicenseOffer

_MONEY: Final = re.compile(r"^\s*([A-Za-z]{3})\s+(\d+(?:\.\d+)?)\s*$")


class BadMoney(ValueError):
    """A budget or price that is not ``<ISO 4217 currency> <decimal>``."""


@dataclass(frozen=True, slots=True)
class Money:
    currency: str
    amount: Decimal

    def __str__(self) -> str:
        return f"{self.currency} {self.amount}"


def parse_money(text: str) -> Money:
    """``USD 0.02`` as :class:`Money`; anything else raises :class:`BadMoney`."""
    match = _MONEY.match(text or "")
    if match is None:
        raise BadMoney(f"{text!r} is not '<ISO 4217 currency> <amount>', e.g. 'USD 5.00'")
    try:
        return Money(match.group(1).upper(), Decimal(match.group(2)))
    except InvalidOperation:
        raise BadMoney(f"{text!r}: the amount is not a number") from None


@dataclass(frozen=True, slots=True)
class Coverage:
    """Whether an offer fits a budget, and why."""

    covered: bool
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"covered": self.covered, "reason": self.reason}


def covers(offer: LicenseOffer, budget: Money, max_price: Money | None = None) -> Coverage:
    """Whether ``budget`` (and ``max_price``, when given) covers ``offer``'s price."""
    if offer.problem:
        return Coverage(False, f"the offer cannot be read whole ({offer.problem})")
    if not offer.amount:
        return Coverage(False, "the offer states no price; the licence terms must be read first")
    try:
        price = parse_money(offer.amount)
    except BadMoney:
        return Coverage(False, f"the price {offer.amount!r} is not '<currency> <amount>'")
    for limit, name in ((budget, "budget"), (max_price, "max price")):
        if limit is None:
            continue
        if limit.currency != price.currency:
            return Coverage(False, f"priced in {price.currency}, the {name} is in {limit.currency}")
        if price.amount > limit.amount:
            return Coverage(False, f"{price} is more than the {name} of {limit}")
    return Coverage(True, f"{price} is within the budget of {budget}")
