"""HTTP 402 in its three dialects, against real aiohttp servers on 127.0.0.1.

Each page answers as one kind of site does: Cloudflare pay per crawl (``crawler-price``), x402 v2
(``PAYMENT-REQUIRED``, base64 JSON), RSL's licence challenge (``WWW-Authenticate: License`` and
an RSL ``Link``), a malformed challenge and a bare 402. The checker names the dialect and the
terms, the audit lists the offer and flags the malformed one, and nothing is paid: no request
ever carries a payment header (docs/decisions.md, HTTP 402 dialects).
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from asyncio.subprocess import PIPE
from typing import Any

import pytest
from aiohttp import web

from heedful.client.audit import gather
from heedful.client.check import check_urls
from heedful.policies.audit.analysis import audit
from heedful.policies.model import Mode, Use, Verdict

X402 = {
    "x402Version": 2,
    "error": "PAYMENT-SIGNATURE header is required",
    "resource": {"url": "PLACEHOLDER/x402", "description": "An article", "mimeType": "text/html"},
    "accepts": [
        {
            "scheme": "exact",
            "network": "eip155:84532",
            "amount": "10000",
            "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            "payTo": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            "maxTimeoutSeconds": 60,
            "extra": {"name": "USDC", "version": "2"},
        }
    ],
}
PAYING_HEADERS = {"payment-signature", "x-payment", "crawler-exact-price", "crawler-max-price"}


def _b64(document: object) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


@pytest.fixture
async def site(aiohttp_server: Any) -> Any:
    seen: list[dict[str, str]] = []

    async def robots(request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n")

    async def page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        seen.append({"path": request.path, **{k.lower(): v for k, v in request.headers.items()}})
        if "." in name:  # ai.txt and the like: not there
            return web.Response(status=404)
        base = f"http://{request.host}"
        if name == "ppc":
            headers = {"crawler-price": "USD 0.02"}
        elif name == "x402":
            document = json.loads(json.dumps(X402).replace("PLACEHOLDER", base))
            headers = {"PAYMENT-REQUIRED": _b64(document)}
        elif name == "x402-bad":
            headers = {"PAYMENT-REQUIRED": "%%% not base64 %%%"}
        elif name == "x402-schema":
            headers = {"PAYMENT-REQUIRED": _b64({"x402Version": 1, "accepts": []})}
        elif name == "rsl":
            headers = {
                "WWW-Authenticate": 'License error="invalid_request"',
                "Link": f'<{base}/license.xml>; rel="license"; type="application/rsl+xml"',
            }
        else:
            headers = {}
        return web.Response(status=402, text="payment required", headers=headers)

    app = web.Application()
    app.router.add_get("/robots.txt", robots)
    app.router.add_get("/{name}", page)
    server = await aiohttp_server(app)
    server.seen = seen
    return server


def _url(server: Any, name: str) -> str:
    return str(server.make_url(f"/{name}"))


EXPECTED = [
    # page, dialect, recorded terms (a subset of the offer), a problem is reported
    ("ppc", "cloudflare-pay-per-crawl", {"amount": "USD 0.02", "currency": "USD"}, False),
    (
        "x402",
        "x402",
        {
            "amount": "10000",
            "currency": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
            "recipient": "0x209693Bc6afc0C5328bA36FaF03C514EF312287C",
            "network": "eip155:84532 exact",
        },
        False,
    ),
    ("x402-bad", "x402", {}, True),
    ("x402-schema", "x402", {}, True),
    ("rsl", "rsl-license", {"payment": "402"}, False),
    ("bare", "unknown", {"payment": "402"}, False),
]


@pytest.mark.parametrize(
    ("name", "dialect", "terms", "problem"), EXPECTED, ids=[e[0] for e in EXPECTED]
)
async def test_check_names_the_dialect_and_the_terms(
    site: Any, name: str, dialect: str, terms: dict[str, str], problem: bool
) -> None:
    url = _url(site, name)
    (checked,) = await check_urls([url], agents=["HeedfulBot"], fetch_timeout=5)
    decision = checked.decide(agent="HeedfulBot", use=Use.AI_TRAIN, mode=Mode.OPT_OUT)
    assert decision.verdict is Verdict.LICENSE  # an offer: never a yes, never a refusal
    offer = decision.as_dict()["offers"][0]
    assert offer["dialect"] == dialect
    assert terms.items() <= offer.items()
    assert ("problem" in offer) is problem
    if name == "x402":
        assert offer["resource"] == url
    if name == "rsl":
        assert offer["url"] == _url(site, "license.xml")
        assert offer["terms"] == offer["url"]
    # Nothing is paid: the page was asked for once, with no payment header.
    asked = [seen for seen in site.seen if seen["path"] == f"/{name}"]
    assert len(asked) == 1
    assert not PAYING_HEADERS & set(asked[0])


async def test_audit_lists_the_offer_and_flags_the_malformed_challenge(site: Any) -> None:
    report = audit(await gather(_url(site, "x402-bad"), sample=0, fetch_timeout=5))
    rules = [f.rule for f in report.findings]
    assert "HF116" in rules
    (malformed,) = [f for f in report.findings if f.rule == "HF117"]
    assert "not base64" in malformed.message
    good = audit(await gather(_url(site, "x402"), sample=0, fetch_timeout=5))
    assert "HF117" not in [f.rule for f in good.findings]
    (offer,) = [f for f in good.findings if f.rule == "HF116"]
    assert "recipient 0x209693Bc6afc0C5328bA36FaF03C514EF312287C" in offer.message


async def _heedful(*args: str) -> tuple[int, str]:
    """``heedful ARGS`` in a subprocess while this test's loop keeps serving the site."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "heedful", *args, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None, err
    return proc.returncode, out.decode()


@pytest.mark.parametrize("draft", ["07", "08"])
async def test_check_json_records_dialect_terms_and_revision(site: Any, draft: str) -> None:
    code, out = await _heedful(
        "check", "--json", "--aipref-draft", draft, "--use", "ai-train", _url(site, "x402")
    )
    assert code == 4  # a licence is needed; nothing was bought
    (line,) = out.splitlines()
    decision = json.loads(line)
    assert decision["aipref_draft"] == draft
    (offer,) = decision["offers"]
    assert offer["dialect"] == "x402"
    assert offer["recipient"] == "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
