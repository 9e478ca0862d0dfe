"""Licence offers and licence tokens' claims, pure (issue 14).

STAND-IN written by the server workstream against /work/licensing-contract.md until the policy
workstream's package lands; it derives offers only from the site-wide ``[license]`` terms and is
to be replaced by theirs at merge (same names, same signatures).
"""

from __future__ import annotations

from heedful.policies.licensing.claims import BadClaims, LicenceClaims
from heedful.policies.licensing.offers import Offer, offer_for, site_offers
from heedful.policies.licensing.scope import ScopeCheck, check_scope

__all__ = [
    "BadClaims",
    "LicenceClaims",
    "Offer",
    "ScopeCheck",
    "check_scope",
    "offer_for",
    "site_offers",
]
