"""What a request refused for want of a licence is told: where to get one, and its price.

RSL 1.0 Crawler Authorization Protocol: ``WWW-Authenticate: License realm="<licence server>"``
names the server that sells the licence (the RSL document's ``<content server>``); for an offer
whose payment is per crawl, Cloudflare's pay-per-crawl dialect adds ``crawler-price``
(Cloudflare's pay per crawl documentation). The ``Link: rel="license"`` is added by the refusal itself.
"""

from __future__ import annotations

from typing import Final

from heedful.policies.licensing import Offer, offer_for
from heedful.policies.model import Use
from heedful.signalserver.live import Rendering

RSL_USAGE: Final = {
    str(Use.AI_TRAIN): "ai-train",
    str(Use.GENAI_TRAIN): "ai-train",
    str(Use.AI_INPUT): "ai-input",
    str(Use.SEARCH): "search",
    str(Use.TDM): "all",
}
"""A Heedful use as the RSL 1.0 section 3 usage token a licence must cover."""


def quoted(text: str) -> str:
    """An RFC 9110 quoted-string's content: no quote, backslash or control character."""
    return "".join(c for c in text if c.isprintable() and c not in '"\\')


def offer_at(rendering: Rendering, path: str, use: str) -> Offer | None:
    return offer_for(rendering.offers, path, RSL_USAGE.get(use, use))


def licence_challenge(rendering: Rendering, path: str, use: str) -> dict[str, str]:
    """The headers of a 402/401 for ``use`` of ``path`` when no licence was presented."""
    offer = offer_at(rendering, path, use)
    if offer is None:
        return {"WWW-Authenticate": 'License error="invalid_request"'}
    headers = {"WWW-Authenticate": f'License realm="{quoted(offer.server)}"'}
    if offer.payment == "crawl" and offer.price():
        headers["crawler-price"] = offer.price()
    return headers
