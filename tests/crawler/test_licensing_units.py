"""The licensing parts without a crawl: budget, credentials, creator consent, token payloads.

The end-to-end behaviour is in test_licensing_e2e.py; these pin the rules each part keeps.
"""

from __future__ import annotations

import asyncio
import base64
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given

from heedful.crawler.licensing.broker import Broker, Refusal, creator_consent_gap
from heedful.crawler.licensing.budget import EXHAUSTED, Budget, Reservation
from heedful.crawler.licensing.credentials import (
    Credentials,
    CredentialsError,
    load_credentials,
)
from heedful.crawler.licensing.olp import jws_claims
from heedful.crawler.transparency.credits import credits
from heedful.crawler.transparency.ledgerdata import LedgerData
from heedful.policies.budget import Money
from heedful.policies.model import (
    Decision,
    LicenseOffer,
    Mode,
    Permission,
    Reason,
    Signal,
    Use,
    Verdict,
)

SECRET = "do-not-print-me"
from tests.helpers.budget_ops import OPERATIONS, check_never_overspent


def usd(amount: str) -> Money:
    return Money("USD", Decimal(amount))


def test_reservations_keep_the_budget() -> None:
    budget = Budget(usd("0.10"), usd("0.05"))
    first = budget.reserve(usd("0.05"))
    assert isinstance(first, Reservation)
    assert budget.reserve(usd("0.06")) == "USD 0.06 is more than the max price of USD 0.05"
    second = budget.reserve(usd("0.05"))
    assert isinstance(second, Reservation)
    third = budget.reserve(usd("0.01"))
    assert isinstance(third, str)
    assert third.startswith(EXHAUSTED)
    second.release()
    first.commit(usd("0.04"))
    assert budget.spent == Decimal("0.04")
    assert budget.left == Decimal("0.06")
    first.commit()  # settling twice changes nothing
    assert budget.spent == Decimal("0.04")
    assert "EUR" in str(budget.reserve(Money("EUR", Decimal("0.01"))))


def test_a_claim_above_the_agreed_price_is_not_paid_from_the_budget() -> None:
    budget = Budget(usd("0.05"))
    reservation = budget.reserve(usd("0.01"))
    assert isinstance(reservation, Reservation)
    assert reservation.commit(usd("0.04")) == usd("0.01")
    assert budget.spent == Decimal("0.01")


@given(OPERATIONS)
def test_no_sequence_of_operations_overspends(ops: list[tuple[str, int, int]]) -> None:
    check_never_overspent([Budget(usd("0.50"))], ops)


def test_a_client_pair_belongs_to_the_first_server_that_asks() -> None:
    found = load_credentials("c1", SECRET, "")
    credential, why = found.for_server("http://a.example/licensing/")
    assert credential is not None
    assert not why
    assert found.for_server("http://a.example/licensing")[0] is credential
    other, why = found.for_server("http://b.example/licensing")
    assert other is None
    assert "not sent to http://b.example/licensing" in why
    assert SECRET not in repr(found) + str(credential) + why


def test_a_credentials_file_names_its_servers(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps({"http://a.example/licensing": {"client_id": "x", "client_secret": SECRET}})
    )
    found = load_credentials("", "", str(path))
    assert found.for_server("http://a.example/licensing")[0] is not None
    none, why = found.for_server("http://evil.example/licensing")
    assert none is None
    assert "no credentials for licence server" in why
    path.write_text(
        json.dumps({"http://a.example/licensing": {"client_id": "x", "client_secret": 5}})
    )
    with pytest.raises(CredentialsError) as info:
        load_credentials("", "", str(path))
    assert SECRET not in str(info.value)
    with pytest.raises(CredentialsError, match="go together"):
        load_credentials("c1", "", "")


@pytest.mark.parametrize(
    ("creators", "consent", "gap"),
    [
        ("", "", ""),
        ("Ana Lima", "", "have not stated"),
        ("Ana Lima", "none", "not to ai-train"),
        ("Ana Lima", "ai-input search", "not to ai-train"),
        ("Ana Lima", "ai-train", ""),
        ("Ana Lima", "ai-all", ""),  # RSL 1.0 section 3: ai-all contains ai-train
        ("Ana Lima", "all", ""),
    ],
)
def test_creator_consent(creators: str, consent: str, gap: str) -> None:
    offer = LicenseOffer(url="u", creators=creators, creator_consent=consent)
    found = creator_consent_gap(offer, "ai-train")
    assert (gap in found) if gap else found == ""


def _decision(offer: LicenseOffer, mode: Mode) -> Decision:
    reason = Reason(
        signal=Signal.RSL, source="/license.xml", location="", rule="", effect="license"
    )
    return Decision(
        url="http://s.example/p/1",
        agent="HeedfulBot",
        use=Use.AI_TRAIN,
        mode=mode,
        verdict=Verdict.LICENSE,
        access=Verdict.ALLOW,
        uses={Use.AI_TRAIN: Permission.LICENSE},
        reasons=(reason,),
        offers=(offer,),
    )


@pytest.mark.parametrize("mode", [Mode.CONSENT, Mode.OPT_OUT])
def test_consent_mode_buys_nothing_the_creators_did_not_consent_to(mode: Mode) -> None:
    offer = LicenseOffer(
        url="http://s.example/license.xml",
        payment="training",
        amount="USD 0.05",
        server="http://s.example/licensing",
        copyright="Lumen Agency",
        scope="/p/*",
        license_xml="<license/>",
        creators="Ana Lima",
        creator_consent="ai-input",
    )
    broker = Broker(
        credentials=Credentials(),
        budget=Budget(usd("1.00")),
        mode=mode,
        use=Use.AI_TRAIN,
        user_agent="HeedfulBot",
        timeout=1.0,
        engine=lambda: None,
    )
    got = asyncio.run(broker.acquire("http://s.example/p/1", _decision(offer, mode)))
    assert isinstance(got, Refusal)
    if mode is Mode.CONSENT:
        assert got.record["missing"] == ["licence", "creator-consent"]
        assert got.reason.startswith("creator consent missing")
    else:
        # Opt-out: the rightsholder's licence suffices; here it fails only for want of credentials.
        assert got.record["missing"] == ["licence"]
        assert "credentials" in got.reason
    assert got.record["creators"] == "Ana Lima"
    assert got.record["creator_consent"] == "ai-input"
    assert broker.budget is not None
    assert broker.budget.reserved == 0


def test_token_payload_is_read_without_trusting_it() -> None:
    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    token = f"{b64({'alg': 'Ed25519'})}.{b64({'jti': 't1', 'exp': 9})}.sig"
    assert jws_claims(token) == {"jti": "t1", "exp": 9}
    assert jws_claims("garbage") == {}
    assert jws_claims("a.!!!.c") == {}


def test_credits_name_each_creator_of_a_licensed_work() -> None:
    licensing = {
        "server": "http://s.example/licensing",
        "token_id": "t1",
        "offer": "photos",
        "rightsholder": "Lumen Agency",
        "creators": "Ana Lima; Bo Chen",
        "duties": ["attribution"],
        "charged": "USD 0.05",
    }
    event = {
        "event": "crawl",
        "status": "kept",
        "url": "http://s.example/p/1",
        "crawl_id": "c",
        "sha256": "s",
        "warc_file": "w",
        "warc_offset": 1,
        "license": [],
        "attribution": {},
        "licensing": licensing,
    }
    result = credits(LedgerData(crawls=[], events=[event]))
    names = {c["creator"]: c for c in result["creators"]}
    assert sorted(names) == ["Ana Lima", "Bo Chen"]
    work = names["Ana Lima"]["works"][0]
    assert names["Ana Lima"]["rights_holders"] == ["Lumen Agency"]
    assert work["licensed_under"]["token_id"] == "t1"
    assert work["duties"] == ["attribution"]
