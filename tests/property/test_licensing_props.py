"""Properties of licence tokens and of the offers a site policy publishes.

* :func:`check_scope` never grants a path outside the token's scope pattern, another origin, a
  usage not under the granted tokens, a fetch after ``exp`` + leeway, or a bound token presented
  with another key; ``from_jwt(to_jwt(c)) == c``.
* A policy with ``[[offers]]``, rendered and read back, decides as the owner meant, and every
  licensed use is offered on the terms :func:`offer_for` names (same payment, price, server).
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urljoin

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from heedful.policies.evaluate import evaluate
from heedful.policies.licensing import LicenceClaims, check_scope, offer_for, site_offers
from heedful.policies.licensing.offers import covers_usage
from heedful.policies.model import Mode, Use, Verdict
from heedful.policies.patterns import compile_pattern
from heedful.policies.signals.read import read_page
from heedful.policies.signals.rsl.terms import USAGE_PARENT
from heedful.policies.sitepolicy import intended, render_site
from heedful.policies.urlpath import canonical_path
from tests.helpers.sitepolicy_check import (
    mismatches,
    page_file,
    read_rendered_site,
    rendered_fetch,
)
from tests.property.test_sitepolicy_props import SAMPLE_PATHS, _publishable, policies

TOKENS = ["all", *USAGE_PARENT]
SCOPES = ["/", "/*", "/a/*", "/a/", "/a/b/*", "/b*", "/photos/*"]
SEGMENT = st.text(alphabet="abc.-%2F", min_size=0, max_size=6)
ORIGINS = ["http://127.0.0.1:8080", "https://site.example", "http://127.0.0.1:8081"]

claims_strategy = st.builds(
    LicenceClaims,
    token_id=st.text(min_size=1, max_size=8),
    issuer=st.just("http://127.0.0.1:8080/licensing"),
    licensee=st.text(min_size=1, max_size=8),
    audience=st.sampled_from(ORIGINS),
    scope=st.sampled_from(SCOPES),
    usage=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3, unique=True).map(tuple),
    offer_id=st.sampled_from(["site", "photos-training"]),
    payment=st.sampled_from(["crawl", "training", "free"]),
    price=st.sampled_from(["", "USD 0.01"]),
    policy_version=st.sampled_from(["1", "v2"]),
    issued_at=st.integers(0, 10_000),
    expires_at=st.integers(10_000, 20_000),
    key_thumbprint=st.sampled_from(["", "k1", "k2"]),
)


@given(claims=claims_strategy)
def test_claims_round_trip(claims: LicenceClaims) -> None:
    assert LicenceClaims.from_jwt(claims.to_jwt()) == claims


@given(
    claims=claims_strategy,
    origin=st.sampled_from(ORIGINS),
    path=st.lists(SEGMENT, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts)),
    usage=st.sampled_from([*TOKENS, "tdm", "genai-train", None]),
    now=st.integers(0, 30_000),
    key=st.sampled_from([None, "k1", "k2"]),
    leeway=st.integers(0, 120),
)
def test_check_scope_never_grants_beyond_the_token(
    claims: LicenceClaims,
    origin: str,
    path: str,
    usage: str | None,
    now: int,
    key: str | None,
    leeway: int,
) -> None:
    found = check_scope(
        claims, origin=origin, path=path, usage=usage, now=now, key_thumbprint=key, leeway=leeway
    )
    assert found.ok is (found.error == "")
    assert found.reason
    if not found.ok:
        return
    assert compile_pattern(claims.scope).matches(canonical_path(path))
    assert origin == claims.audience
    assert now <= claims.expires_at + leeway
    assert now + leeway >= claims.issued_at
    if claims.key_thumbprint:
        assert key == claims.key_thumbprint
    if usage is not None:
        token = {"tdm": "all", "genai-train": "ai-train"}.get(usage, usage)
        assert token in claims.usage or any(
            covers_usage((granted,), token) for granted in claims.usage
        )


OFFER_PATHS = ["/", "/*", "/a/*", "/a/b/", "/a/b/c/*", "/b*", "/caf%C3%A9/*"]
OFFER_USAGES = ["ai-all", "ai-train", "ai-input", "search", "all"]


@st.composite
def offered_policies(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(policies())
    offers = []
    for i in range(draw(st.integers(0, 3))):
        payment = draw(st.sampled_from(["crawl", "training", "use", "free", "attribution"]))
        entry: dict[str, Any] = {
            "id": f"offer-{i}",
            "paths": draw(
                st.lists(st.sampled_from(OFFER_PATHS), min_size=1, max_size=2, unique=True)
            ),
            "usage": draw(
                st.lists(st.sampled_from(OFFER_USAGES), min_size=1, max_size=2, unique=True)
            ),
            "payment": payment,
        }
        if payment not in ("free", "attribution"):
            entry["amount"] = f"0.0{i + 1}"
            entry["currency"] = "USD"
        if draw(st.booleans()):
            entry["rightsholder"] = f"Holder {i}"
        offers.append(entry)
    data["offers"] = offers
    if offers and draw(st.booleans()):
        data.pop("license", None)
    return data


PATHS = [*SAMPLE_PATHS, "/a/b/c/deep", "/bee/x"]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=offered_policies(), picks=st.data())
def test_offers_render_and_read_back_as_offered(data: dict[str, Any], picks: st.DataObject) -> None:
    policy = _publishable(data)
    assume(policy is not None)
    assert policy is not None
    rendered = render_site(policy, version="7", base_url="http://127.0.0.1:8080")
    combos = list(itertools.product(PATHS, ["ExampleBot", "GPTBot"], [None, "image/png"]))
    sample = picks.draw(st.lists(st.sampled_from(combos), min_size=10, max_size=20, unique=True))
    found = mismatches(policy, rendered, sample, modes=(Mode.OPT_OUT,))
    assert not found, "\n".join(map(str, found[:3]))
    offers = site_offers(policy, rendered.base_url)
    site = read_rendered_site(rendered.base_url, rendered_fetch(rendered))
    for path, agent, media_type in sample:
        url = urljoin(rendered.base_url, path)
        page = read_page(page_file(rendered, url, path, media_type))
        for use in (Use.AI_TRAIN, Use.GENAI_TRAIN, Use.AI_INPUT, Use.SEARCH):
            if intended(policy, path=path, agent=agent, use=use, media_type=media_type) is not (
                Verdict.LICENSE
            ):
                continue
            decision = evaluate(site, page, url=url, agent=agent, use=use, mode=Mode.OPT_OUT)
            expected = offer_for(offers, path, use)
            assert expected is not None, (path, use)
            got = next(o for o in decision.offers if o.server)
            assert (got.payment, got.amount, got.server) == (
                expected.payment,
                expected.price(),
                expected.server,
            ), (path, use, expected.id)
