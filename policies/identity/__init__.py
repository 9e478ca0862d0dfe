"""Who is this crawler? Claimed identity and its verification (issue 12 section 1).

* :mod:`heedful.policies.identity.webbotauth` — :func:`verify_web_bot_auth`, RFC 9421 signatures as
  profiled by Web Bot Auth, against key-directory bytes and a clock value the caller passes;
* :mod:`heedful.policies.identity.ranges` — vendors' published IP ranges as dated snapshots,
  prepared once into :class:`IpRanges`;
* :mod:`heedful.policies.identity.identify` — :func:`identify`: the catalogue entry a User-Agent
  claims and its level (``signature``, ``ip-range``, ``unverified``; ``spoofed``).
"""

from __future__ import annotations

from heedful.policies.identity.identify import Identity, Verification, identify, verify_claim
from heedful.policies.identity.ranges import (
    IpRanges,
    RangeFileError,
    RangeMatch,
    RangeSnapshot,
    bundled_snapshots,
    parse_address,
    parse_prefixes,
)
from heedful.policies.identity.webbotauth import (
    DIRECTORY_PATH,
    SignatureAgent,
    WebBotAuthResult,
    jwk_thumbprint,
    signature_agent,
    verify_web_bot_auth,
)

__all__ = [
    "DIRECTORY_PATH",
    "Identity",
    "IpRanges",
    "RangeFileError",
    "RangeMatch",
    "RangeSnapshot",
    "SignatureAgent",
    "Verification",
    "WebBotAuthResult",
    "bundled_snapshots",
    "identify",
    "jwk_thumbprint",
    "parse_address",
    "parse_prefixes",
    "signature_agent",
    "verify_claim",
    "verify_web_bot_auth",
]
