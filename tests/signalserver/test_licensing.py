"""The licence server in ``heedful serve`` (issue 14 sections 1, 5): OLP tokens, CAP fetches,
the usage ledger. Real servers on 127.0.0.1, real Ed25519 (joserfc), real databases."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import ClientResponse

from heedful.policies.licensing import LicenceClaims
from heedful.signalserver import licence_store
from heedful.signalserver.keys import DATABASE, LICENSING
from heedful.signalserver.licence_clients import NewClient, register
from heedful.signalserver.statement import statement
from tests.helpers.webbotauth import Signer, key_directory
from tests.signalserver.conftest import Served, ServeFactory

GPTBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"

PRICED = """\
[site]
name = "Lumen Photos"
url = "https://photos.example"
contact = "rights@photos.example"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "license"
tdm = "allow"

[license]
payment = "{payment}"
amount = "{amount}"
currency = "USD"
copyright = "Lumen Agency"

[enforcement]
training = "license"
"""

LICENSE_XML = """<license>
  <permits type="usage">ai-train</permits>
  <payment type="{payment}"><amount currency="USD">{amount}</amount></payment>
</license>"""


def priced(payment: str = "crawl", amount: str = "0.01") -> str:
    return PRICED.format(payment=payment, amount=amount)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for name in ("photos/a.html", "photos/b.html", "index.html"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"<html><head></head><body>{name}</body></html>")
    return root


def basic(client: NewClient, secret: str | None = None) -> dict[str, str]:
    pair = f"{quote(client.row.client_id)}:{quote(secret or client.client_secret)}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


async def ask(served: Served, client: NewClient | None, **form: str) -> ClientResponse:
    headers = basic(client) if client is not None else {}
    return await served.client.post("/licensing/token", data=form, headers=headers)


async def new_token(
    served: Served, client: NewClient, path: str = "/photos/a.html", **more: str
) -> dict[str, Any]:
    form = {
        "grant_type": "client_credentials",
        "resource": served.url(path),
        "scope": "ai-train",
        **more,
    }
    response = await ask(served, client, **form)
    body = await response.json()
    assert response.status == 200, body
    return dict(body)


async def fetch(
    served: Served, token: str, path: str = "/photos/a.html", **headers: str
) -> ClientResponse:
    return await served.client.get(
        path, headers={"User-Agent": GPTBOT, "Authorization": f"License {token}", **headers}
    )


async def start(
    serve: ServeFactory, site: Path, policy: str | None = None, **fields: Any
) -> tuple[Served, NewClient]:
    served = await serve(static_dir=site, policy=policy or priced(), **fields)
    client = await register(served.app[DATABASE], "Example AI")
    return served, client


async def test_a_crawl_licence_is_sold_presented_charged_and_recorded(
    serve: ServeFactory, site: Path
) -> None:
    served, client = await start(serve, site)
    refused = await served.client.get("/photos/a.html", headers={"User-Agent": GPTBOT})
    assert refused.status == 402
    server = served.url("/licensing").replace("localhost", "127.0.0.1")
    assert refused.headers["WWW-Authenticate"] == f'License realm="{server}"'
    assert refused.headers["crawler-price"] == "USD 0.01"
    assert refused.headers["Link"].endswith('rel="license"; type="application/rsl+xml"')

    body = await new_token(served, client)
    assert body["token_type"] == "License"
    assert body["expires_in"] == 3600
    assert (body["scope"], body["payment"], body["price"], body["offer"]) == (
        "ai-train", "crawl", "USD 0.01", "site",
    )  # fmt: skip
    header = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[0] + "=="))
    assert header["alg"] == "Ed25519"

    for path in ("/photos/a.html", "/photos/b.html"):
        served_page = await fetch(served, body["access_token"], path)
        assert served_page.status == 200
        assert served_page.headers["crawler-charged"] == "USD 0.01"
    missing = await fetch(served, body["access_token"], "/photos/none.html")
    assert missing.status == 404
    assert "crawler-charged" not in missing.headers

    issued, fetches = await licence_store.ledger(served.app[DATABASE])
    assert [(i.licensee, i.payment, i.price, i.amount, i.rightsholder) for i in issued] == [
        (client.row.client_id, "crawl", "USD 0.01", "0", "Lumen Agency")
    ]
    assert [(f.path, f.amount, f.identity) for f in fetches] == [
        ("/photos/a.html", "0.01", "unverified"),
        ("/photos/b.html", "0.01", "unverified"),
        ("/photos/none.html", "0", "unverified"),
    ]
    assert {f.token_id for f in fetches} == {issued[0].token_id}
    document = await statement(served.app[DATABASE], None)
    assert document["totals"] == {
        "total": "total", "licences": 1, "fetches": 3, "amounts": {"USD": "0.02"},
    }  # fmt: skip
    assert document["rightsholders"][0]["rightsholder"] == "Lumen Agency"  # type: ignore[index]
    assert document["reconciliation"]["ok"] is True  # type: ignore[index]


async def test_a_training_licence_is_owed_once_at_issue_and_the_rsl_grant_works(
    serve: ServeFactory, site: Path
) -> None:
    served, client = await start(serve, site, priced("training", "0.05"))
    refused = await served.client.get("/photos/a.html", headers={"User-Agent": GPTBOT})
    assert refused.status == 402
    assert "crawler-price" not in refused.headers  # not per crawl
    response = await ask(
        served,
        client,
        grant_type="rsl",
        resource=served.url("/photos/a.html"),
        license=LICENSE_XML.format(payment="training", amount="0.050"),
    )
    body = await response.json()
    assert response.status == 200, body
    assert response.headers["Cache-Control"] == "no-store"
    page = await fetch(served, body["access_token"])
    assert page.status == 200
    assert "crawler-charged" not in page.headers
    document = await statement(served.app[DATABASE], time.strftime("%Y-%m"))
    assert document["totals"]["amounts"] == {"USD": "0.05"}  # type: ignore[index]


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password", "resource": "R"}, 400, "unsupported_grant_type"),
        ({"resource": "R"}, 400, "invalid_request"),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
        ({"grant_type": "rsl", "resource": "R"}, 400, "invalid_request"),
        ({"grant_type": "rsl", "resource": "R", "license": "<license"}, 400, "invalid_request"),
        ({"grant_type": "rsl", "resource": "R", "license": "<terms/>"}, 400, "invalid_request"),
        (
            {"grant_type": "client_credentials", "resource": "/photos/a.html"},
            400,
            "invalid_request",
        ),
        (
            {"grant_type": "client_credentials", "resource": "http://other.example/a"},
            400,
            "invalid_target",
        ),
        (
            {"grant_type": "client_credentials", "resource": "R", "scope": "no-such-usage"},
            400,
            "invalid_scope",
        ),
        (
            {
                "grant_type": "rsl",
                "resource": "R",
                "license": LICENSE_XML.format(payment="crawl", amount="0.005"),
            },
            400,
            "invalid_grant",
        ),
        (
            {
                "grant_type": "rsl",
                "resource": "R",
                "license": LICENSE_XML.format(payment="training", amount="0.01"),
            },
            400,
            "invalid_grant",
        ),
    ],
)
async def test_bad_token_requests_get_rfc_6749_errors_with_reasons(
    serve: ServeFactory, site: Path, form: dict[str, str], status: int, error: str
) -> None:
    served, client = await start(serve, site)
    form = {k: served.url("/photos/a.html") if v == "R" else v for k, v in form.items()}
    response = await ask(served, client, **form)
    body = await response.json()
    assert (response.status, body["error"]) == (status, error), body
    assert body["error_description"]
    assert client.client_secret not in json.dumps(body)
    if error == "invalid_grant":
        assert "price" in body["error_description"] or "payment" in body["error_description"]


async def test_client_authentication_failures_are_invalid_client(
    serve: ServeFactory, site: Path
) -> None:
    served, client = await start(serve, site)
    form = {"grant_type": "client_credentials", "resource": served.url("/photos/a.html")}
    for headers in (
        {},
        {"Authorization": "Bearer x"},
        {"Authorization": "Basic !!!"},
        basic(client, "wrong-secret"),
    ):
        response = await served.client.post("/licensing/token", data=form, headers=headers)
        body = await response.json()
        assert response.status == 401
        assert body["error"] == "invalid_client"
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
        assert "wrong-secret" not in json.dumps(body)
    repeated = await served.client.post(
        "/licensing/token",
        data=[("grant_type", "client_credentials"), ("grant_type", "rsl")],
        headers=basic(client),
    )
    assert (await repeated.json())["error"] == "invalid_request"
    as_json = await served.client.post("/licensing/token", json=form, headers=basic(client))
    assert (await as_json.json())["error"] == "invalid_request"


def _reason(response: ClientResponse) -> str:
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('License error="invalid_token", error_description="'), challenge
    return challenge


async def test_tampered_expired_skewed_and_replayed_tokens_are_invalid_token(
    serve: ServeFactory, site: Path
) -> None:
    served, client = await start(serve, site, token_seconds=1, token_leeway=0)
    body = await new_token(served, client)
    token = body["access_token"]
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["resource"] = "/photos/*"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    for bad in (f"{head}.{forged}.{signature}", "abc.def", token[:-4] + "AAAA", "x" * 5000):
        response = await fetch(served, bad)
        assert response.status == 401
        assert (
            "tamper" in _reason(response)
            or "JWS" in _reason(response)
            or "decoded" in _reason(response)
        )
        assert bad not in json.dumps(dict(response.headers)) + await response.text()
    other_origin = await served.client.get(
        "/photos/a.html",
        headers={
            "User-Agent": GPTBOT,
            "Authorization": f"License {token}",
            "Host": "other.example",
        },
    )
    assert other_origin.status == 401
    assert "not http://other.example" in _reason(other_origin)
    server = served.app[LICENSING]
    now = int(time.time())
    future = LicenceClaims.from_jwt(
        {**claims, "jti": "future", "iat": now + 120, "exp": now + 3600}
    )
    server.remember("future")
    skewed = await fetch(served, server.sign(future))
    assert skewed.status == 401
    assert "clock skew" in _reason(skewed)
    unknown = LicenceClaims.from_jwt({**claims, "jti": "never-issued"})
    assert (await fetch(served, server.sign(unknown))).status == 401
    await asyncio.sleep(2.1)
    expired = await fetch(served, token)
    assert expired.status == 401
    assert "expired" in _reason(expired)
    _, fetches = await licence_store.ledger(served.app[DATABASE])
    assert fetches == []  # nothing refused is recorded as served


async def test_tokens_bound_to_a_web_bot_auth_key(
    serve: ServeFactory, site: Path, tmp_path: Path
) -> None:
    async with key_directory(tmp_path) as signer:
        served, client = await start(serve, site, key_directory_ca=signer.ca_file)
        authority = f"127.0.0.1:{served.client.port}"
        signed = signer.headers(authority, created=int(time.time()), user_agent=GPTBOT)
        response = await served.client.post(
            "/licensing/token",
            data={"grant_type": "client_credentials", "resource": served.url("/photos/a.html")},
            headers={**signed, **basic(client)},
        )
        body = await response.json()
        assert response.status == 200, body
        thumbprint = body["cnf"]["jkt"]
        token = body["access_token"]
        unsigned = await fetch(served, token)
        assert unsigned.status == 401
        assert "bound to key" in _reason(unsigned)
        page = await served.client.get(
            "/photos/a.html",
            headers={
                **signer.headers(authority, created=int(time.time()), user_agent=GPTBOT),
                "Authorization": f"License {token}",
            },
        )
        assert page.status == 200
        _, fetches = await licence_store.ledger(served.app[DATABASE])
        assert fetches[-1].identity == f"web-bot-auth {thumbprint}"
        tampered = signer.headers("other.example", created=int(time.time()), user_agent=GPTBOT)
        bad = await served.client.post(
            "/licensing/token",
            data={"grant_type": "client_credentials", "resource": served.url("/photos/a.html")},
            headers={**tampered, **basic(client)},
        )
        assert (await bad.json())["error"] == "invalid_request"


async def test_a_registered_key_binds_every_token_and_another_key_is_refused(
    serve: ServeFactory, site: Path, tmp_path: Path
) -> None:
    async with key_directory(tmp_path) as signer:
        other = Signer(origin=signer.origin, ca_file=signer.ca_file)  # another key, same signer
        served = await serve(static_dir=site, policy=priced(), key_directory_ca=signer.ca_file)
        client = await register(served.app[DATABASE], "Keyed AI", json.dumps(signer.jwk))
        body = await new_token(served, client)
        assert body["cnf"]["jkt"] == client.row.key_thumbprint
        authority = f"127.0.0.1:{served.client.port}"
        wrong = other.headers(authority, created=int(time.time()), user_agent=GPTBOT)
        response = await served.client.get(
            "/photos/a.html", headers={**wrong, "Authorization": f"License {body['access_token']}"}
        )
        assert response.status == 401
        assert "another Web Bot Auth key" in _reason(response) or "sign" in _reason(response)


async def test_pay_per_crawl_price_headers(serve: ServeFactory, site: Path) -> None:
    served, client = await start(serve, site)
    token = (await new_token(served, client))["access_token"]
    cases = [
        ({"crawler-exact-price": "USD 0.02"}, 402, "InvalidCrawlerExactPrice"),
        ({"crawler-max-price": "USD 0.005"}, 402, "InvalidCrawlerMaxPrice"),
        ({"crawler-max-price": "EUR 1.00"}, 402, "InvalidCrawlerMaxPrice"),
        (
            {"crawler-exact-price": "USD 0.01", "crawler-max-price": "USD 1"},
            400,
            "ConflictingPriceHeaders",
        ),
        ({"crawler-max-price": "a lot"}, 400, "InvalidCrawlerPriceValue"),
    ]
    for headers, status, error in cases:
        response = await fetch(served, token, **headers)
        assert (response.status, response.headers.get("crawler-error")) == (status, error)
    for headers in ({"crawler-exact-price": "USD 0.010"}, {"crawler-max-price": "USD 0.02"}):
        response = await fetch(served, token, **headers)
        assert response.status == 200
        assert response.headers["crawler-charged"] == "USD 0.01"


async def test_introspection_and_revocation(serve: ServeFactory, site: Path) -> None:
    served, client = await start(serve, site)
    other = await register(served.app[DATABASE], "Other AI")
    token = (await new_token(served, client))["access_token"]
    response = await served.client.post(
        "/licensing/introspect", data={"token": token}, headers=basic(client)
    )
    body = await response.json()
    assert body["active"] is True
    assert (body["sub"], body["scope"], body["token_type"]) == (
        client.row.client_id,
        "ai-train",
        "License",
    )
    assert body["resource"].endswith("/")
    for who, presented in ((other, token), (client, "garbage")):
        response = await served.client.post(
            "/licensing/introspect", data={"token": presented}, headers=basic(who)
        )
        assert await response.json() == {"active": False}
    assert (await fetch(served, token)).status == 200  # the client's row is now kept a while
    revoking = await served.client.post(
        f"/api/v1/admin/licensing/clients/{client.row.client_id}/revoke", headers=served.admin
    )
    assert revoking.status == 200
    revoked = await fetch(served, token)
    assert revoked.status == 401
    assert "revoked" in _reason(revoked)
    again = await ask(served, client, grant_type="client_credentials", resource=served.url("/"))
    assert (await again.json())["error"] == "invalid_client"


async def test_tokens_stay_valid_across_a_restart(
    serve: ServeFactory, site: Path, sqlite_url: str
) -> None:
    base = "https://photos.example"  # one public origin, whatever port each start listens on
    served, client = await start(serve, site, database=sqlite_url, base_url=base)
    response = await ask(
        served, client, grant_type="client_credentials", resource=f"{base}/photos/a.html"
    )
    token = (await response.json())["access_token"]
    assert (await fetch(served, token)).status == 200
    await served.client.close()
    again = await serve(static_dir=site, policy=priced(), database=sqlite_url, base_url=base)
    assert (await fetch(again, token)).status == 200
    assert again.app[LICENSING].kid == served.app[LICENSING].kid


async def test_the_ledger_on_both_backends(serve: ServeFactory, site: Path, backend: str) -> None:
    served, client = await start(serve, site, database=backend)
    token = (await new_token(served, client))["access_token"]
    assert (await fetch(served, token)).status == 200
    document = await statement(served.app[DATABASE], None)
    assert document["totals"]["fetches"] == 1  # type: ignore[index]
    assert document["totals"]["amounts"] == {"USD": "0.01"}  # type: ignore[index]
    await served.client.close()  # before the backend fixture drops the database


async def test_token_requests_are_rate_limited(serve: ServeFactory, site: Path) -> None:
    served, client = await start(serve, site, token_rate_per_minute=1.0, token_burst=2)
    statuses = []
    for _ in range(3):
        response = await ask(
            served, client, grant_type="client_credentials", resource=served.url("/")
        )
        statuses.append(response.status)
    assert statuses == [200, 200, 429]
    assert "Retry-After" in response.headers


async def test_a_licence_is_verified_without_enforcement_too(
    serve: ServeFactory, site: Path
) -> None:
    served, client = await start(serve, site, enforcement=False)
    assert (await fetch(served, "abc.def")).status == 401
    token = (await new_token(served, client))["access_token"]
    assert (await fetch(served, token)).headers["crawler-charged"] == "USD 0.01"


async def test_always_free_paths_stay_free(serve: ServeFactory, site: Path) -> None:
    served, _ = await start(serve, site)
    for path in ("/robots.txt", "/license.xml", "/.well-known/tdmrep.json", "/licensing/jwks.json"):
        response = await served.client.get(
            path, headers={"User-Agent": GPTBOT, "Authorization": "License x"}
        )
        assert response.status == 200, path


async def test_cap_behind_upstream_records_before_the_answer_leaves(
    serve: ServeFactory, aiohttp_server: Any
) -> None:
    from aiohttp import web

    async def origin(request: web.Request) -> web.Response:
        if request.path == "/gone":
            return web.Response(status=404, text="gone")
        return web.Response(
            text="<html><head></head><body>origin</body></html>", content_type="text/html"
        )

    origin_app = web.Application()
    origin_app.router.add_get("/{tail:.*}", origin)
    upstream = await aiohttp_server(origin_app)
    served = await serve(policy=priced(), upstream=str(upstream.make_url("/")))
    client = await register(served.app[DATABASE], "Proxy AI")
    token = (await new_token(served, client, "/x"))["access_token"]
    assert (await served.client.get("/x", headers={"User-Agent": GPTBOT})).status == 402
    page = await fetch(served, token, "/x")
    assert page.status == 200
    assert page.headers["crawler-charged"] == "USD 0.01"
    assert "origin" in await page.text()
    gone = await fetch(served, token, "/gone")
    assert gone.status == 404
    assert "crawler-charged" not in gone.headers
    _, fetches = await licence_store.ledger(served.app[DATABASE])
    assert [(f.path, f.amount) for f in fetches] == [("/x", "0.01"), ("/gone", "0")]


async def test_a_free_licence_with_a_server_answers_401_and_is_free(
    serve: ServeFactory, site: Path
) -> None:
    policy = priced("free", "0").replace(
        'amount = "0"\ncurrency = "USD"\n', 'server = "http://127.0.0.1/licensing"\n'
    )
    served, client = await start(serve, site, policy)
    refused = await served.client.get("/photos/a.html", headers={"User-Agent": GPTBOT})
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"] == 'License realm="http://127.0.0.1/licensing"'
    assert "crawler-price" not in refused.headers
    body = await new_token(served, client)
    assert (body["price"], body["payment"]) == ("", "free")
    page = await fetch(served, body["access_token"])
    assert page.status == 200
    assert "crawler-charged" not in page.headers
    document = await statement(served.app[DATABASE], None)
    assert document["totals"]["amounts"] == {}  # type: ignore[index]
    assert document["totals"]["fetches"] == 1  # type: ignore[index]


OFFERS = """\
[site]
name = "Lumen Photos"
url = "https://photos.example"
contact = "rights@photos.example"

[defaults]
search = "allow"
ai-input = "allow"
ai-train = "deny"
tdm = "allow"

[[paths]]
path = "/photos/"
ai-train = "license"

[[offers]]
id = "photos-training"
paths = ["/photos/*"]
usage = ["ai-train"]
payment = "training"
amount = "0.05"
currency = "USD"
rightsholder = "Lumen Agency"
creators = ["Ana Lima", "Bo Chen"]

[enforcement]
training = "license"
"""


async def test_a_path_offer_is_sold_and_credited_to_its_creators(
    serve: ServeFactory, site: Path
) -> None:
    served, client = await start(serve, site, OFFERS)
    body = await new_token(served, client)
    assert (body["offer"], body["price"]) == ("photos-training", "USD 0.05")
    assert body["resource"].endswith("/photos/*")
    assert (await fetch(served, body["access_token"])).status == 200
    outside = await fetch(served, body["access_token"], "/index.html")
    assert outside.status == 401
    assert "outside" in _reason(outside)
    document = await statement(served.app[DATABASE], None)
    creators = {c["creator"]: c["amounts"] for c in document["creators"]}  # type: ignore[attr-defined]
    assert creators == {"Ana Lima": {"USD": "0.05"}, "Bo Chen": {"USD": "0.05"}}
    assert document["rightsholders"][0]["rightsholder"] == "Lumen Agency"  # type: ignore[index]
