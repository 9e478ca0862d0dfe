"""The licence budget: money is reserved before it is spent, so concurrency cannot overspend.

Every purchase (a once-paid token) and every per-fetch charge (RSL ``payment="crawl"``) first
reserves its price; the reservation is turned into a charge when the seller confirms it
(the token response, the ``crawler-charged`` header) or released when the purchase or fetch
fails. Reserving is synchronous on the crawl's one event loop, so two requests can never both
see the same money as free. Amounts are :class:`~decimal.Decimal` (:mod:`heedful.policies.budget`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from heedful.policies.budget import Money

EXHAUSTED = "licence budget exhausted"
"""The refusal reason once the budget cannot pay for one more licence or fetch."""


@dataclass(slots=True)
class Reservation:
    price: Money
    open: bool = True


class Budget:
    """At most ``limit`` in total, at most ``max_price`` per licence or fetch."""

    def __init__(self, limit: Money, max_price: Money | None = None) -> None:
        self.limit = limit
        self.max_price = max_price
        self.spent = Decimal(0)
        self.reserved = Decimal(0)

    @property
    def left(self) -> Decimal:
        return self.limit.amount - self.spent - self.reserved

    def reserve(self, price: Money) -> Reservation | str:
        """A reservation of ``price``, or why it cannot be made."""
        if price.currency != self.limit.currency:
            return f"priced in {price.currency}, the licence budget is in {self.limit.currency}"
        if self.max_price is not None and price.amount > self.max_price.amount:
            return f"{price} is more than the max price of {self.max_price}"
        if price.amount > self.left:
            return (
                f"{EXHAUSTED}: {price} needed, {self.limit.currency} {self.left} left"
                f" of {self.limit}"
            )
        self.reserved += price.amount
        return Reservation(price)

    def commit(self, reservation: Reservation, charged: Money | None = None) -> Money:
        """Turn ``reservation`` into a charge of ``charged`` (default: the reserved price).

        A seller's claim above the reservation is not paid from the budget: only the price
        agreed is spent, so the budget is never exceeded; the caller records the claim."""
        amount = charged if charged is not None else reservation.price
        if amount.amount > reservation.price.amount:
            amount = reservation.price
        if reservation.open:
            reservation.open = False
            self.reserved -= reservation.price.amount
            self.spent += amount.amount
        return amount

    def release(self, reservation: Reservation) -> None:
        if reservation.open:
            reservation.open = False
            self.reserved -= reservation.price.amount

    def summary(self) -> dict[str, str]:
        return {
            "budget": str(self.limit),
            "spent": f"{self.limit.currency} {self.spent}",
            "max_price": str(self.max_price) if self.max_price else "",
        }
