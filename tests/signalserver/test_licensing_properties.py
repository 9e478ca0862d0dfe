"""Property tests (hypothesis) for what the licence server reads from untrusted clients: tokens,
Basic credentials, requested terms. Whatever arrives, the answer is a verdict with a reason,
never an exception and never a licence the server did not sign."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from joserfc.jwk import OKPKey

from heedful.policies.licensing import LicenceClaims
from heedful.policies.signals.rsl.terms import RslLicense
from heedful.signalserver.licensing import LicenceServer, TokenInvalid
from heedful.signalserver.oauth import OAuthError, basic_credentials, terms_differ
from heedful.signalserver.ratelimit import RateLimiter

CLAIMS = LicenceClaims(
    token_id="t1", issuer="http://127.0.0.1/licensing", licensee="lc_1",
    audience="http://127.0.0.1", scope="/photos/*", usage=("ai-train",), offer_id="site",
    payment="crawl", price="USD 0.01", policy_version="1-abc", issued_at=1_800_000_000,
    expires_at=1_800_003_600, key_thumbprint="",
)  # fmt: skip


def _server() -> LicenceServer:
    return LicenceServer(
        db=None,  # type: ignore[arg-type]  # read() and sign() never touch the database
        key=OKPKey.generate_key("Ed25519"),
        directories=None,
        token_seconds=3600,
        leeway=60,
        limiter=RateLimiter(per_minute=1, burst=1),
    )


def _read(token: str) -> LicenceClaims | str:
    """The claims, or the reason the token is refused."""
    try:
        return SERVER.read(token)
    except TokenInvalid as exc:
        return str(exc)


SERVER = _server()
TOKEN = SERVER.sign(CLAIMS)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(TOKEN) - 1), st.characters(codec="ascii"))
def test_a_changed_token_is_refused_or_reads_as_the_same_claims(where: int, char: str) -> None:
    changed = TOKEN[:where] + char + TOKEN[where + 1 :]
    verdict = _read(changed)
    # Refused with a reason, or a change base64 ignores (padding bits): the same claims.
    assert verdict == CLAIMS or (isinstance(verdict, str) and verdict)


@given(st.text(max_size=200))
def test_any_token_text_is_refused_with_a_reason(text: str) -> None:
    verdict = _read(text)
    assert isinstance(verdict, str)
    assert verdict


def test_another_servers_token_is_refused() -> None:
    with pytest.raises(TokenInvalid, match="tampered or not issued here"):
        SERVER.read(_server().sign(CLAIMS))


@given(st.text(max_size=300))
def test_basic_credentials_are_a_pair_or_invalid_client(header: str) -> None:
    try:
        pair: tuple[str, str] | OAuthError = basic_credentials(header, "realm")
    except OAuthError as exc:
        pair = exc
    if isinstance(pair, OAuthError):
        assert (pair.error, pair.status) == ("invalid_client", 401)
        assert pair.headers["WWW-Authenticate"] == 'Basic realm="realm"'
    else:
        assert all(pair)


amounts = st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False)


@given(amounts, amounts, st.sampled_from(["crawl", "training", "use"]))
def test_terms_differ_exactly_when_the_price_does(a: Decimal, b: Decimal, payment: str) -> None:
    offered = RslLicense(
        permits_usage=("ai-train",), payment_type=payment, amount=str(a), currency="USD"
    )
    asked = RslLicense(
        permits_usage=("ai-train",), payment_type=payment, amount=str(b), currency="USD"
    )
    differ = terms_differ(asked, offered)
    assert bool(differ) == (a != b)
    if differ:
        assert "price" in differ


def test_the_server_can_sign_in_a_loop() -> None:
    # sign/read are synchronous and need no event loop; a running one does not disturb them.
    async def both() -> LicenceClaims:
        return SERVER.read(SERVER.sign(CLAIMS))

    assert asyncio.run(both()) == CLAIMS


@given(st.sampled_from(["ai-train", "ai-input", "ai-index", "search", "ai-all", "all"]))
def test_usage_asked_is_compared_with_the_rsl_hierarchy(usage: str) -> None:
    offered = RslLicense(permits_usage=("all",), payment_type="crawl", amount="1", currency="USD")
    asked = RslLicense(permits_usage=(usage,), payment_type="crawl", amount="1", currency="USD")
    assert terms_differ(asked, offered) == ""
    narrow = RslLicense(
        permits_usage=("ai-train",), payment_type="crawl", amount="1", currency="USD"
    )
    assert bool(terms_differ(asked, narrow)) == (usage != "ai-train")
