"""``heedful diff``, licence offers: where the live site sells a use on other terms than its
policy's offers (a changed price, another payment type or licence server, no offer at all).

For every sampled path and licensed use, the live offer is the one the evaluator reads from the
site's RSL document for that use (RSL 1.0 section 3: the longest matching ``<content>``); the
intended one is :func:`~heedful.policies.licensing.offer_for` over the policy's offers. A price
that differs matters most: a licence server refuses a token request for terms it no longer
offers (RFC 6749 section 5.2 ``invalid_grant``), and a crawler budgets by the published price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from heedful.policies.agents import HEEDFUL_TOKEN
from heedful.policies.audit.diff import diff_paths
from heedful.policies.audit.findings import AuditInput
from heedful.policies.evaluate import evaluate
from heedful.policies.licensing.offers import offer_for, site_offers
from heedful.policies.model import Mode, Use, Verdict
from heedful.policies.sitepolicy import SitePolicy, intended
from heedful.policies.urlpath import path_of

_USES = (Use.AI_TRAIN, Use.AI_INPUT, Use.SEARCH)
"""``tdm`` is left out: its terms travel as the TDMRep ``tdm-policy``, which names no price."""


@dataclass(frozen=True, kw_only=True, slots=True)
class OfferDifference:
    """One path and use whose live licence terms are not the policy's."""

    path: str
    use: Use
    offer_id: str
    field: str
    """``price``, ``payment``, ``server`` or ``offer`` (no live offer at all)."""
    live: str
    intended: str

    def as_dict(self) -> dict[str, str]:
        return {
            "path": self.path,
            "use": str(self.use),
            "offer": self.offer_id,
            "field": self.field,
            "live": self.live,
            "intended": self.intended,
        }

    def __str__(self) -> str:
        return (
            f"{self.path} {self.use}: {self.field} live {self.live or 'none'}, policy "
            f"{self.intended or 'none'} (offer {self.offer_id})"
        )


def offer_diff(
    data: AuditInput, policy: SitePolicy, *, agent: str = HEEDFUL_TOKEN
) -> tuple[OfferDifference, ...]:
    """Every sampled (path, licensed use) whose live offer differs from the policy's."""
    offers = site_offers(policy, data.site.origin)
    # Without an external [license] server, heedful serve names itself under whichever base URL
    # it publishes: the live origin or the policy's [site] url.
    own = {o.server for o in (*offers, *site_offers(policy, policy.site.url))}
    out: list[OfferDifference] = []
    for url, page in diff_paths(policy, data):
        path = path_of(url)
        for use in _USES:
            if intended(policy, path=path, agent=agent, use=use) is not Verdict.LICENSE:
                continue
            meant = offer_for(offers, path, use)
            if meant is None:
                continue
            decision = evaluate(
                data.site,
                page,
                url=url,
                agent=agent,
                use=use,
                mode=Mode.OPT_OUT,
                page_must_answer=False,
            )
            live = next((o for o in decision.offers if o.scope), None)
            if live is None:
                out.append(
                    OfferDifference(
                        path=path,
                        use=use,
                        offer_id=meant.id,
                        field="offer",
                        live="",
                        intended=f"{meant.payment} {meant.price()}".strip(),
                    )
                )
                continue
            pairs = (
                ("price", live.amount, meant.price()),
                ("payment", live.payment, meant.payment),
                ("server", live.server.rstrip("/"), meant.server.rstrip("/")),
            )
            out.extend(
                OfferDifference(
                    path=path, use=use, offer_id=meant.id, field=name, live=got, intended=want
                )
                for name, got, want in pairs
                if got != want and not (name == "server" and got in own and want in own)
            )
    return tuple(dict.fromkeys(out))


def offers_json(differences: Sequence[OfferDifference]) -> list[dict[str, str]]:
    return [d.as_dict() for d in differences]
