"""The workers of a distributed crawl share one licence budget in Redis (crawler/licensing/budget.py).

Against a real Redis: two purses on one key never hand out more than the limit between them,
whatever the order of reservations, charges and releases; a worker started with another budget
is refused before it buys anything; and two ``heedful crawl --redis`` workers buying per-fetch
licences from a real licence server are charged, together, no more than the one budget.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from hypothesis import HealthCheck, given, settings

from heedful.crawler.distributed import clear
from heedful.crawler.licensing.budget import (
    EXHAUSTED,
    Budget,
    BudgetMismatch,
    RedisPurse,
    Reservation,
)
from heedful.policies.budget import Money
from tests.conftest import ROOT
from tests.crawler.test_licensing_e2e import CLIENT, SECRET, home
from tests.helpers.budget_ops import OPERATIONS, check_never_overspent
from tests.helpers.licence_server import LicensedSite, Offer, serving
from tests.helpers.services import database_url, redis_url


def usd(amount: str) -> Money:
    return Money("USD", Decimal(amount))


@pytest.fixture
def shared() -> Iterator[tuple[redis.Redis, str]]:
    url = redis_url()
    prefix = f"heedful-test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(url)
    try:
        yield client, f"{prefix}:licence-budget"
    finally:
        clear(url, prefix)
        client.close()


def shared_budget(client: redis.Redis, key: str, limit: str) -> Budget:
    return Budget(usd(limit), purse=RedisPurse(client, key, usd(limit)))


def test_two_workers_reserve_no_more_than_the_one_budget(shared: tuple[redis.Redis, str]) -> None:
    client, key = shared
    first, second = shared_budget(client, key, "0.15"), shared_budget(client, key, "0.15")
    got = [b.reserve(usd("0.01")) for _ in range(20) for b in (first, second)]
    held = [r for r in got if isinstance(r, Reservation)]
    assert len(held) == 15
    refused = [r for r in got if isinstance(r, str)]
    assert all(r.startswith(EXHAUSTED) for r in refused)
    assert "USD 0.00 left of USD 0.15" in refused[0]
    held[0].release()
    held[1].commit(usd("0.005"))  # the seller charged less than the reservation
    assert first.spent == second.spent == Decimal("0.005")
    assert first.left == Decimal("0.015")
    assert isinstance(second.reserve(usd("0.01")), Reservation)
    assert first.summary()["shared"] == key


def test_a_worker_with_another_budget_is_refused(shared: tuple[redis.Redis, str]) -> None:
    client, key = shared
    shared_budget(client, key, "5.00")
    with pytest.raises(BudgetMismatch, match=r"is USD 5, not USD 5\.01"):
        RedisPurse(client, key, usd("5.01"))
    with pytest.raises(BudgetMismatch, match="EUR"):
        RedisPurse(client, key, Money("EUR", Decimal("5.00")))
    RedisPurse(client, key, usd("5.000"))  # the same amount, written otherwise


def test_rounding_never_lets_the_crawl_spend_more(shared: tuple[redis.Redis, str]) -> None:
    client, key = shared
    budget = shared_budget(client, key, "0.0000000025")  # 2.5 billionths: 2 units
    tiny = budget.reserve(usd("0.0000000001"))  # reserved as one whole unit
    assert isinstance(tiny, Reservation)
    assert isinstance(budget.reserve(usd("0.000000001")), Reservation)
    assert isinstance(budget.reserve(usd("0.0000000001")), str)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(OPERATIONS)
def test_no_interleaving_of_two_workers_overspends(
    shared: tuple[redis.Redis, str], ops: list[tuple[str, int, int]]
) -> None:
    client, _ = shared
    key = f"heedful-test-{uuid.uuid4().hex}:licence-budget"
    try:
        check_never_overspent([shared_budget(client, key, "0.50") for _ in range(2)], ops)
    finally:
        client.delete(key)


def worker(site: LicensedSite, out: Path, prefix: str, budget: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "heedful", "crawl", site.base + "/", "--out", str(out),
            "--no-progress", "--redis", redis_url(), "--redis-key", prefix,
            "--crawl-id", prefix, "--db", database_url(), "--fetch-timeout", "3",
            "--concurrency", "16", "--licence-budget", budget,
            "--client-id", CLIENT, "--client-secret", SECRET,
        ],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.e2e
def test_two_crawl_workers_are_charged_no_more_than_one_budget(tmp_path: Path) -> None:
    prefix = f"heedful-test-{uuid.uuid4().hex}"
    site = LicensedSite(offers=[Offer("per-fetch", "/works/*", payment="crawl", amount="0.01")])
    works = [f"/works/{n}" for n in range(60)]
    site.pages["/"] = home(works)
    try:
        with serving(site):
            running = [worker(site, tmp_path / f"w{i}", prefix, "USD 0.15") for i in range(2)]
            for proc in running:
                _, err = proc.communicate(timeout=120)
                assert proc.returncode == 0, err[-3000:]
            assert site.total_charged() <= Decimal("0.15")
            assert len(site.charges) == 15

            tokens_before = len(site.issued)
            late = worker(site, tmp_path / "late", prefix, "USD 0.20")
            _, err = late.communicate(timeout=120)
            assert len(site.issued) == tokens_before  # it bought nothing
        assert late.returncode != 0
        assert "is USD 0.15, not USD 0.20" in err
        assert "shared licence budget could not be used, so nothing was crawled" in err

        export = subprocess.run(
            [sys.executable, "-m", "heedful", "ledger", str(tmp_path), "--db", database_url(),
             "--crawl-id", prefix],
            capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        )  # fmt: skip
        assert export.returncode == 0, export.stderr
        rows = [json.loads(line) for line in export.stdout.splitlines()]
        charged = [r for r in rows if (r.get("licensing") or {}).get("charged")]
        assert sum(Decimal(r["licensing"]["charged"].split()[1]) for r in charged) <= Decimal(
            "0.15"
        )
        assert len(charged) == 15
    finally:
        clear(redis_url(), prefix)
