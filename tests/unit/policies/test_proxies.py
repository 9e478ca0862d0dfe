"""Which address a request came from behind the site's own proxies (policies.identity.proxies)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.policies.identity.proxies import client_address, trusted_networks

TRUSTED = trusted_networks(["10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("198.51.100.9", ["192.0.2.7"], "198.51.100.9"),  # not our proxy: the header is forged
        ("10.0.0.2", ["192.0.2.7"], "192.0.2.7"),
        ("10.0.0.2", ["203.0.113.5, 192.0.2.7, 10.0.0.3"], "192.0.2.7"),  # the right-most untrusted
        ("10.0.0.2", ["203.0.113.5", "192.0.2.7"], "192.0.2.7"),  # header instances in order
        ("10.0.0.2", ["10.0.0.4, 10.0.0.3"], "10.0.0.4"),  # proxies all the way down
        ("10.0.0.2", ["192.0.2.7, not-an-address"], "10.0.0.2"),  # garbage: believe nothing left
        ("::1", ["2001:db8::1"], "2001:db8::1"),
        ("10.0.0.2", [], "10.0.0.2"),
    ],
)
def test_client_address(peer: str, forwarded: list[str], client: str) -> None:
    assert client_address(peer, forwarded, TRUSTED) == client


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address("10.0.0.2", ["192.0.2.7"], ()) == "10.0.0.2"


def test_a_bad_proxy_network_is_refused() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        trusted_networks(["10.0.0.0/33"])


@given(st.text(max_size=80))
def test_any_header_gives_an_address_it_held_or_the_peer(header: str) -> None:
    found = client_address("10.0.0.2", [header], TRUSTED)
    assert found == "10.0.0.2" or found in header
