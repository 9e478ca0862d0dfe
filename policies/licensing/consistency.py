"""Where a site policy's offers and its use values disagree (``heedful lint POLICY.toml``).

Load-time checks refuse what cannot be published (a use valued ``license`` that no offer
covers, policies.sitepolicy.checks). These findings are what *can* be published but is probably
not what the owner meant:

* ``offer-not-sold`` (warning): an offer sells a use its paths deny or allow freely, so the
  offer is never published there (a deny beats a price list; a free allow needs no licence,
  docs/licensing.md);
* ``offer-overlap`` (warning): two offers sell the same use on overlapping paths; the longest
  scope wins (RSL 1.0 section 3), the other is never offered there;
* ``offer-tdm`` (info): ``tdm`` is licensed but no offer sells ``all``, so a crawler asking to
  mine can read the terms (TDMRep ``tdm-policy``) but cannot buy a token for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.licensing.offers import covers_usage, offer_for, site_offers
from heedful.policies.model import Permission, Use
from heedful.policies.patterns import compile_pattern
from heedful.policies.sitepolicy.model import SitePolicy
from heedful.policies.sitepolicy.resolve import PolicyIndex
from heedful.policies.urlpath import canonical_path

KIND: Final = "policy"
_USES: Final = (Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH, Use.TDM)
_TOKEN: Final = {Use.AI_TRAIN: "ai-train", Use.AI_INPUT: "ai-input", Use.SEARCH: "search"}


def offer_findings(policy: SitePolicy, line_of: Callable[[str], int]) -> list[Diagnostic]:
    """Every offer finding of a loaded policy, each at the line of the offer it is about."""
    index = PolicyIndex(policy)
    offers = site_offers(policy, policy.site.url)
    out: list[Diagnostic] = []

    def note(severity: Severity, key: str, code: str, message: str) -> None:
        found = Diagnostic(
            severity=severity, kind=KIND, line=line_of(key), code=code, message=f"{key}: {message}"
        )
        if found not in out:
            out.append(found)

    for i, entry in enumerate(policy.offers):
        for path in entry.paths:
            prefix = canonical_path(path.removesuffix("*") or "/")
            pattern = compile_pattern(path)
            scopes = [prefix, *(s for s in index.scopes if s != prefix and pattern.matches(s))]
            for scope in scopes:
                values = index.floor(scope)
                for use in (Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH):
                    if not covers_usage(entry.usage, _TOKEN[use]):
                        continue
                    value = values[use]
                    if value is Permission.DENY or value is Permission.ALLOW:
                        how = "denies" if value is Permission.DENY else "allows freely"
                        note(
                            Severity.WARNING,
                            f"offers[{i}].usage",
                            "offer-not-sold",
                            f"{entry.id} sells {_TOKEN[use]} on {path}, but the policy {how} "
                            f"{use} at {scope}: the offer is not published there",
                        )
                    elif value is Permission.LICENSE:
                        winner = offer_for(offers, scope, use)
                        if winner is not None and winner.id != entry.id:
                            note(
                                Severity.WARNING,
                                f"offers[{i}].paths",
                                "offer-overlap",
                                f"{entry.id} and {winner.id} both sell {_TOKEN[use]} at "
                                f"{scope}; {winner.id} is offered there (longest scope, then "
                                "file order; RSL 1.0 section 3)",
                            )
    for scope in index.scopes:
        if index.floor(scope)[Use.TDM] is Permission.LICENSE and not offer_for(
            offers, scope, "all"
        ):
            note(
                Severity.INFO,
                "offers[0]" if policy.offers else "license",
                "offer-tdm",
                f"tdm is 'license' at {scope} but no offer sells 'all': crawlers can read the "
                "terms but cannot buy a licence to mine",
            )
            break
    return out
