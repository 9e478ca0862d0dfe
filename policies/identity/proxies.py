"""Which address a request came from, behind proxies the site owner trusts (sans-IO).

``X-Forwarded-For`` is a list of addresses each proxy appended; anyone can send one, so it is
believed only as far as the proxies the owner names: read from the right, every address that is
a trusted proxy is skipped, and the first one that is not is the client. When the connection
itself does not come from a trusted proxy, the header is ignored and the peer is the client
(the reading MDN and RFC 7239 section 5.2 describe: only the entries a trusted proxy added can
be relied on). A forged crawler address cannot make a request look verified.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from heedful.policies.identity.ranges import IPNetwork, parse_address


def trusted_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``10.0.0.0/8``, ``127.0.0.1``, ``::1`` as networks; a bad value raises ``ValueError``."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def _trusted(address: str, trusted: Sequence[IPNetwork]) -> bool:
    ip = parse_address(address)
    return ip is not None and any(ip.version == net.version and ip in net for net in trusted)


def client_address(peer: str, forwarded_for: Sequence[str], trusted: Sequence[IPNetwork]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, then the right-most
    ``X-Forwarded-For`` entry that is not a trusted proxy (every header instance, in order)."""
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if parse_address(hop) is None:
            # Garbage in the chain: nothing to its left can be believed; the last trusted hop
            # is the best that is known.
            return peer
        if not _trusted(hop, trusted):
            return hop
        peer = hop
    return peer
