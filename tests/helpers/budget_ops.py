"""Random reserve/commit/release sequences against licence budgets, for the property tests of
the local and the Redis-shared purse (tests/crawler)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from hypothesis import strategies as st

from heedful.crawler.licensing.budget import Budget, Reservation
from heedful.policies.budget import Money

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["reserve", "commit", "release"]),
        st.integers(0, 1),
        st.integers(0, 30),
    ),
    max_size=50,
)
"""``(operation, worker, cents)``: which budget reserves, and the amount or the reservation."""


def check_never_overspent(workers: Sequence[Budget], ops: list[tuple[str, int, int]]) -> None:
    """Run ``ops`` across ``workers`` (one purse or a shared one); after every step the money
    spent and reserved stays within the limit and nothing is reserved below zero."""
    limit = workers[0].limit.amount
    held: list[Reservation] = []
    for op, worker, cents in ops:
        price = Money(workers[0].limit.currency, Decimal(cents) / 100)
        if op == "reserve":
            got = workers[worker % len(workers)].reserve(price)
            if isinstance(got, Reservation):
                held.append(got)
        elif held:
            reservation = held.pop(cents % len(held))
            if op == "commit":
                # Whatever the seller claims it charged, even more than was agreed.
                reservation.commit(price)
            else:
                reservation.release()
        spent, reserved = workers[0].purse.totals()
        assert spent + reserved <= limit
        assert reserved >= 0
