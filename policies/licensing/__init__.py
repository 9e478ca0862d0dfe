"""Licences a site sells and the tokens that grant them: pure data and checks, no I/O, no clock.

* :mod:`~heedful.policies.licensing.offers` — :class:`Offer`, read from a site policy
  (``[[offers]]`` and ``[license]``), and :func:`offer_for`, the offer covering a path and use;
* :mod:`~heedful.policies.licensing.claims` — :class:`LicenceClaims`, what a licence token says,
  and its JWT claim set (the signing lives with the licence server);
* :mod:`~heedful.policies.licensing.scope` — :func:`check_scope`, whether a token grants one
  fetch (RSL 1.0 Crawler Authorization Protocol; RFC 6750 section 3.1 error codes).

The model and its reasons are in docs/licensing.md.
"""

from __future__ import annotations

from heedful.policies.licensing.claims import BadClaims, LicenceClaims
from heedful.policies.licensing.offers import (
    SITE_OFFER_ID,
    Offer,
    covers_usage,
    offer_for,
    site_offers,
    terms_mismatch,
    usage_token,
)
from heedful.policies.licensing.scope import ScopeCheck, check_scope

__all__ = [
    "SITE_OFFER_ID",
    "BadClaims",
    "LicenceClaims",
    "Offer",
    "ScopeCheck",
    "check_scope",
    "covers_usage",
    "offer_for",
    "site_offers",
    "terms_mismatch",
    "usage_token",
]
