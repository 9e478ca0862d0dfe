"""The licence budget: money is reserved before it is spent, so concurrency cannot overspend.

Every purchase (a once-paid token) and every per-fetch charge (RSL ``payment="crawl"``) first
reserves its price; the reservation is turned into a charge when the seller confirms it
(the token response, the ``crawler-charged`` header) or released when the purchase or fetch
fails. Amounts are :class:`~decimal.Decimal` (:mod:`heedful.policies.budget`).

:class:`Budget` holds the rules (the currency, the max price, what a refusal says); the money
itself is counted by a purse. :class:`LocalPurse` counts it in the process: reserving is
synchronous on the crawl's one event loop, so two requests can never both see the same money as
free. :class:`RedisPurse` counts it in Redis for the workers of a distributed crawl
(``heedful crawl --redis``), each reservation one atomic script, so the crawl as a whole, not
each worker, stays within the budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Final, Protocol

from heedful.policies.budget import Money

if TYPE_CHECKING:
    import redis

EXHAUSTED = "licence budget exhausted"
"""The refusal reason once the budget cannot pay for one more licence or fetch."""


class Purse(Protocol):
    """Counts what is spent and reserved against a limit; every method is atomic."""

    def take(self, amount: Decimal) -> bool:
        """Reserve ``amount`` if spent + reserved + ``amount`` stays within the limit."""

    def settle(self, reserved: Decimal, spent: Decimal) -> None:
        """End a reservation of ``reserved``, of which ``spent`` (at most ``reserved``) is
        spent."""

    def totals(self) -> tuple[Decimal, Decimal]:
        """``(spent, reserved)``."""


class LocalPurse:
    """The purse of a crawl that runs in one process."""

    def __init__(self, limit: Decimal) -> None:
        self.limit = limit
        self.spent = Decimal(0)
        self.reserved = Decimal(0)

    def take(self, amount: Decimal) -> bool:
        if self.spent + self.reserved + amount > self.limit:
            return False
        self.reserved += amount
        return True

    def settle(self, reserved: Decimal, spent: Decimal) -> None:
        self.reserved -= reserved
        self.spent += spent

    def totals(self) -> tuple[Decimal, Decimal]:
        return self.spent, self.reserved


class BudgetMismatch(ValueError):
    """A worker joined a shared budget with another limit than the one the crawl has."""


UNITS: Final = Decimal("1e-9")
"""Redis counts in integers: amounts are kept in billionths of the currency unit, a
reservation rounded up and the limit rounded down, so rounding can only make the crawl spend
less than its budget, never more."""

_OPEN = """
if redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('HSET', KEYS[1], 'currency', ARGV[1], 'limit', ARGV[2], 'spent', 0, 'reserved', 0)
end
return redis.call('HMGET', KEYS[1], 'currency', 'limit')
"""
_TAKE = """
local limit = tonumber(redis.call('HGET', KEYS[1], 'limit'))
local used = tonumber(redis.call('HGET', KEYS[1], 'spent'))
    + tonumber(redis.call('HGET', KEYS[1], 'reserved'))
if used + tonumber(ARGV[1]) > limit then
    return 0
end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
return 1
"""
_SETTLE = """
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
return 1
"""


class RedisPurse:
    """The purse the workers of one distributed crawl share, in one Redis hash at ``key``.

    The first worker sets the limit; a worker started with another budget (or currency) is
    refused with :class:`BudgetMismatch` before it buys anything. A worker that dies holding a
    reservation leaves it reserved: the crawl may spend less than its budget, never more.
    Each call is one blocking round trip, as scrapy-redis's own scheduler calls are.
    """

    def __init__(self, client: redis.Redis, key: str, limit: Money) -> None:
        self.key = key
        self._take = client.register_script(_TAKE)
        self._settle = client.register_script(_SETTLE)
        self._client = client
        ceiling = _units(limit.amount, ROUND_FLOOR)
        found = client.register_script(_OPEN)(keys=[key], args=[limit.currency, ceiling])
        currency, stored = (_text(v) for v in found)
        if currency != limit.currency or int(stored) != ceiling:
            shared = f"{currency} {_amount(stored):f}"
            raise BudgetMismatch(
                f"the crawl's shared licence budget ({key}) is {shared}, not {limit}: "
                "every worker of a distributed crawl is given the same --licence-budget"
            )

    def take(self, amount: Decimal) -> bool:
        return bool(self._take(keys=[self.key], args=[_units(amount, ROUND_CEILING)]))

    def settle(self, reserved: Decimal, spent: Decimal) -> None:
        args = [-_units(reserved, ROUND_CEILING), _units(spent, ROUND_CEILING)]
        self._settle(keys=[self.key], args=args)

    def totals(self) -> tuple[Decimal, Decimal]:
        spent, reserved = self._client.hmget(self.key, ["spent", "reserved"])
        return _amount(spent), _amount(reserved)

    def close(self) -> None:
        self._client.close()


def _amount(units: object) -> Decimal:
    return (Decimal(int(_text(units))) * UNITS).normalize()


def _units(amount: Decimal, rounding: str) -> int:
    return int((amount / UNITS).to_integral_value(rounding=rounding))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(slots=True)
class Reservation:
    """Money held for one purchase or fetch until it is committed or released (once)."""

    budget: Budget
    price: Money
    open: bool = field(default=True)

    def commit(self, charged: Money | None = None) -> Money:
        """Turn the reservation into a charge of ``charged`` (default: the reserved price).

        A seller's claim above the reservation is not paid from the budget: only the price
        agreed is spent, so the budget is never exceeded; the caller records the claim."""
        amount = charged if charged is not None else self.price
        if amount.amount > self.price.amount:
            amount = self.price
        if self.open:
            self.open = False
            self.budget.purse.settle(self.price.amount, amount.amount)
        return amount

    def release(self) -> None:
        if self.open:
            self.open = False
            self.budget.purse.settle(self.price.amount, Decimal(0))


class Budget:
    """At most ``limit`` in total, at most ``max_price`` per licence or fetch."""

    def __init__(
        self, limit: Money, max_price: Money | None = None, purse: Purse | None = None
    ) -> None:
        self.limit = limit
        self.max_price = max_price
        self.purse: Purse = purse if purse is not None else LocalPurse(limit.amount)

    @property
    def spent(self) -> Decimal:
        return self.purse.totals()[0]

    @property
    def reserved(self) -> Decimal:
        return self.purse.totals()[1]

    @property
    def left(self) -> Decimal:
        spent, reserved = self.purse.totals()
        return self.limit.amount - spent - reserved

    def reserve(self, price: Money) -> Reservation | str:
        """A reservation of ``price``, or why it cannot be made."""
        if price.currency != self.limit.currency:
            return f"priced in {price.currency}, the licence budget is in {self.limit.currency}"
        if self.max_price is not None and price.amount > self.max_price.amount:
            return f"{price} is more than the max price of {self.max_price}"
        if not self.purse.take(price.amount):
            return (
                f"{EXHAUSTED}: {price} needed, {self.limit.currency} {self.left:f} left"
                f" of {self.limit}"
            )
        return Reservation(self, price)

    def summary(self) -> dict[str, str]:
        out = {
            "budget": str(self.limit),
            "spent": f"{self.limit.currency} {self.spent:f}",
            "max_price": str(self.max_price) if self.max_price else "",
        }
        if isinstance(self.purse, RedisPurse):
            out["shared"] = self.purse.key
        return out
