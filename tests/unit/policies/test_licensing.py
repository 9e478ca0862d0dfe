"""Licence offers in a site policy, the pure licensing core, and creator consent."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from heedful.policies.evaluate import evaluate
from heedful.policies.licensing import (
    BadClaims,
    LicenceClaims,
    check_scope,
    offer_for,
    site_offers,
    terms_mismatch,
)
from heedful.policies.model import Mode, Use, Verdict
from heedful.policies.signals.read import read_page
from heedful.policies.signals.rsl.document import parse_rsl
from heedful.policies.sitepolicy import PolicyFormatError, load_site_policy, render_site
from tests.helpers.sitepolicy_check import page_file, read_rendered_site, rendered_fetch

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = (ROOT / "examples" / "licensed-photos.toml").read_text()
BASE = "http://127.0.0.1:8080"

HEAD = """
[site]
name = "Lumen"
url = "https://lumen.example"
contact = "a@lumen.example"

[defaults]
search = "allow"
ai-input = "license"
ai-train = "license"
tdm = "license"
"""


def _offer(**keys: object) -> str:
    fields = {
        "id": '"o1"',
        "paths": '["/photos/*"]',
        "usage": '["ai-train"]',
        "payment": '"training"',
        "amount": '"0.05"',
        "currency": '"USD"',
    }
    fields.update({k: str(v) for k, v in keys.items()})
    body = "\n".join(f"{k} = {v}" for k, v in fields.items() if v != "DROP")
    return f"\n[[offers]]\n{body}\n"


def _problems(text: str) -> list[str]:
    with pytest.raises(PolicyFormatError) as info:
        load_site_policy(text, filename="p.toml")
    return [str(problem) for problem in info.value.problems]


SITE_LICENSE = '\n[license]\npayment = "crawl"\namount = "0.01"\ncurrency = "USD"\n'


@pytest.mark.parametrize(
    ("keys", "needle"),
    [
        ({"payment": '"barter"'}, "'barter' is not an RSL payment type"),
        ({"currency": "DROP"}, "amount needs a currency"),
        ({"amount": "DROP", "currency": "DROP"}, "payment 'training' is priced: give amount"),
        ({"payment": '"free"'}, "a 'free' offer has no amount"),
        ({"id": '"Photos_1"'}, "'Photos_1' is not an offer id"),
        ({"id": '"site"'}, "'site' is the id of [license]"),
        ({"paths": '["/*.jpg"]'}, "'/*.jpg' is not an offer pattern"),
        ({"paths": '["/photos/$"]'}, "'/photos/$' is not an offer pattern"),
        ({"usage": '["train-ai"]'}, "'train-ai' is not an RSL 1.0 usage token"),
        ({"creator-consent": '["everything"]'}, "'everything' is not an RSL 1.0 usage token"),
        ({"amount": "0.05"}, "string"),
    ],
)
def test_bad_offers_are_refused_with_a_clear_message(keys: dict[str, str], needle: str) -> None:
    problems = _problems(HEAD + SITE_LICENSE + _offer(**keys))
    assert any(needle in problem for problem in problems), problems
    assert all(problem.startswith("p.toml:") for problem in problems)


def test_duplicate_offer_ids_are_refused() -> None:
    text = HEAD + SITE_LICENSE + _offer() + _offer(paths='["/art/*"]')
    assert any("'o1' is already offers[0].id" in p for p in _problems(text))


def test_a_licensed_use_no_offer_covers_is_refused() -> None:
    problems = _problems(HEAD + _offer())
    assert any("ai-train is 'license' at / but no [[offers]]" in p for p in problems), problems


def test_site_offers_and_the_usage_hierarchy() -> None:
    policy = load_site_policy(EXAMPLE)
    offers = site_offers(policy, BASE)
    assert [(o.id, o.scope, o.server) for o in offers] == [
        ("photos-training", "/photos/*", f"{BASE}/licensing"),
        ("photos-input", "/photos/*", f"{BASE}/licensing"),
    ]
    training = offers[0]
    assert training.amount == Decimal("0.05")
    assert training.price() == "USD 0.05"
    assert training.creator_consent == ("ai-input",)
    assert offer_for(offers, "/photos/a.jpg", "genai-train") is training
    assert offer_for(offers, "/photos/a.jpg", Use.AI_INPUT) is offers[1]
    assert offer_for(offers, "/photos/a.jpg", "search") is None
    assert offer_for(offers, "/press/a.jpg", "ai-train") is None


def test_license_table_is_the_site_wide_offer_and_longest_scope_wins() -> None:
    policy = load_site_policy(HEAD + SITE_LICENSE + _offer(usage='["ai-all"]'))
    offers = site_offers(policy, BASE)
    site = offers[-1]
    assert (site.id, site.scope, site.usage, site.price()) == ("site", "/", ("all",), "USD 0.01")
    assert offer_for(offers, "/photos/x", "ai-input").id == "o1"  # type: ignore[union-attr]
    assert offer_for(offers, "/photos/x", "all").id == "site"  # type: ignore[union-attr]
    assert offer_for(offers, "/other", "ai-train").id == "site"  # type: ignore[union-attr]


def test_external_server_is_named_when_set() -> None:
    text = HEAD + SITE_LICENSE + 'server = "https://licensing.example/"\n'
    offers = site_offers(load_site_policy(text), BASE)
    assert offers[0].server == "https://licensing.example"


def test_terms_mismatch_names_a_price_change() -> None:
    offers = site_offers(load_site_policy(EXAMPLE), BASE)
    training = offers[0]
    assert terms_mismatch(training, training.license()) == ""
    other = offers[1].license()
    assert "payment" in terms_mismatch(training, other)
    from dataclasses import replace

    cheaper = replace(training.license(), amount="0.01")
    assert terms_mismatch(training, cheaper) == "price 'USD 0.01' is not the offered 'USD 0.05'"
    wider = replace(training.license(), permits_usage=("ai-all",))
    assert "usage ai-all is not in the offer" in terms_mismatch(training, wider)


def test_rsl_names_the_server_creators_and_consent_per_offer() -> None:
    rendered = render_site(load_site_policy(EXAMPLE), version="3", base_url=BASE)
    assert rendered.rsl_xml is not None
    assert f'<content url="/photos/*" server="{BASE}/licensing">' in rendered.rsl_xml
    assert (
        '<hf:creators xmlns:hf="https://heedful.invalid/ns/rsl/1" consent="ai-input">'
        "Ana Lima; Bo Chen</hf:creators>"
    ) in rendered.rsl_xml
    assert f"License: {BASE}/license.xml" in rendered.robots_txt
    link = dict(rendered.headers_for("/photos/a.jpg", "image/jpeg"))["Link"]
    assert link == f'<{BASE}/license.xml>; rel="license"; type="application/rsl+xml"'
    # A licensed use is never published as a plain allow in the yes/no formats.
    headers = dict(rendered.headers_for("/photos/a.jpg", "image/jpeg"))
    assert "train-ai=y" not in headers.get("Content-Usage", "")
    statement = parse_rsl(rendered.rsl_xml).value.statement(f"{BASE}/photos/a.jpg")
    assert statement is not None
    training = statement.offers[Use.GENAI_TRAIN]
    assert (training.payment, training.amount, training.scope) == (
        "training",
        "USD 0.05",
        "/photos/*",
    )
    assert (training.creators, training.creator_consent) == ("Ana Lima; Bo Chen", "ai-input")
    assert statement.offers[Use.AI_INPUT].payment == "crawl"


def test_creators_extension_round_trips_and_states_no() -> None:
    text = (
        '<rsl xmlns="https://rslstandard.org/rsl"><content url="/" server="https://l.example">'
        '<license><payment type="purchase"><amount currency="EUR">1</amount></payment></license>'
        '<hf:creators xmlns:hf="https://heedful.invalid/ns/rsl/1" consent="none">A</hf:creators>'
        "</content></rsl>"
    )
    parsed = parse_rsl(text)
    content = parsed.value.contents[0]
    assert (content.creators, content.creator_consent) == (("A",), ())
    assert not [d for d in parsed.diagnostics if d.code == "rsl-unknown-element"]
    offer = parsed.value.statement("https://x.example/a")
    assert offer is not None
    assert offer.offer is not None
    assert offer.offer.creator_consent == "none"


def _decide(text: str, path: str, use: Use, mode: Mode) -> object:
    rendered = render_site(load_site_policy(text), version="1", base_url=BASE)
    site = read_rendered_site(rendered.base_url, rendered_fetch(rendered))
    url = f"{BASE}{path}"
    page = read_page(page_file(rendered, url, path, "image/jpeg"))
    return evaluate(site, page, url=url, agent="ExampleBot", use=use, mode=mode)


def test_consent_mode_needs_the_creators_consent_as_well_as_the_licence() -> None:
    training = _decide(EXAMPLE, "/photos/a.jpg", Use.GENAI_TRAIN, Mode.CONSENT)
    assert training.verdict is Verdict.DENY  # type: ignore[attr-defined]
    assert training.missing == ("licence", "creator-consent")  # type: ignore[attr-defined]
    assert training.creator_consent == "refused"  # type: ignore[attr-defined]
    note = training.reasons[-1].note  # type: ignore[attr-defined]
    assert "creator consent missing: Ana Lima; Bo Chen consented to ai-input, not ai-train" in note
    assert "Lumen Agency" in note
    # The creators consented to AI input: only the licence is missing.
    given = _decide(EXAMPLE, "/photos/a.jpg", Use.AI_INPUT, Mode.CONSENT)
    assert given.verdict is Verdict.LICENSE  # type: ignore[attr-defined]
    assert given.missing == ("licence",)  # type: ignore[attr-defined]
    assert given.creator_consent == "given"  # type: ignore[attr-defined]
    assert given.offers[0].payment == "crawl"  # type: ignore[attr-defined]
    # Opt-out mode: the rightsholder's licence is what the law asks for; consent is reported.
    optout = _decide(EXAMPLE, "/photos/a.jpg", Use.GENAI_TRAIN, Mode.OPT_OUT)
    assert optout.verdict is Verdict.LICENSE  # type: ignore[attr-defined]
    assert optout.creator_consent == "refused"  # type: ignore[attr-defined]
    assert optout.as_dict()["missing"] == ["licence"]  # type: ignore[attr-defined]


def test_unstated_creator_consent_is_missing_consent() -> None:
    text = HEAD + SITE_LICENSE + _offer(creators='["Ana"]')
    decision = _decide(text, "/photos/a.jpg", Use.AI_TRAIN, Mode.CONSENT)
    assert decision.verdict is Verdict.DENY  # type: ignore[attr-defined]
    assert decision.creator_consent == "not-stated"  # type: ignore[attr-defined]


CLAIMS = LicenceClaims(
    token_id="t1",
    issuer=f"{BASE}/licensing",
    licensee="client-1",
    audience=BASE,
    scope="/photos/*",
    usage=("ai-train",),
    offer_id="photos-training",
    payment="training",
    price="USD 0.05",
    policy_version="3",
    issued_at=1000,
    expires_at=4600,
    key_thumbprint="abc",
)


def test_claims_round_trip_and_bad_claims() -> None:
    assert LicenceClaims.from_jwt(CLAIMS.to_jwt()) == CLAIMS
    assert CLAIMS.to_jwt()["cnf"] == {"jkt": "abc"}
    for broken, needle in [
        ({"exp": "soon"}, "'exp' is missing or not a NumericDate"),
        ({"iat": True}, "'iat'"),
        ({"scope": ""}, "'scope' is empty"),
        ({"cnf": {}}, "cnf has no jkt"),
        ({"resource": "photos"}, "resource is not a path pattern"),
        ({"exp": 10}, "exp is before iat"),
    ]:
        with pytest.raises(BadClaims, match=needle):
            LicenceClaims.from_jwt({**CLAIMS.to_jwt(), **broken})


@pytest.mark.parametrize(
    ("changes", "error", "needle"),
    [
        ({}, "", "covers /photos/a.jpg"),
        ({"now": 4661}, "invalid_token", "expired"),
        ({"now": 4660}, "", ""),
        ({"now": 900}, "invalid_token", "beyond the clock skew"),
        ({"origin": "http://127.0.0.1:9090"}, "invalid_token", "not http://127.0.0.1:9090"),
        ({"key_thumbprint": None}, "invalid_token", "not an unsigned request"),
        ({"key_thumbprint": "xyz"}, "invalid_token", "not key xyz"),
        ({"path": "/photos/../admin/x"}, "insufficient_scope", "/admin/x is outside"),
        ({"usage": "ai-input"}, "insufficient_scope", "grants ai-train, not ai-input"),
        ({"usage": "genai-train"}, "", ""),
        ({"usage": None}, "", ""),
    ],
)
def test_check_scope(changes: dict[str, object], error: str, needle: str) -> None:
    args: dict[str, object] = {
        "origin": "http://127.0.0.1:8080/",
        "path": "/photos/a.jpg",
        "usage": "ai-train",
        "now": 2000,
        "key_thumbprint": "abc",
        **changes,
    }
    found = check_scope(CLAIMS, **args)  # type: ignore[arg-type]
    assert (found.ok, found.error) == (not error, error)
    assert needle in found.reason
