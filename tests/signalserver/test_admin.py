"""Admin API: token checks, validated policy replacement, append-only history, ``?at=``.

Runs on SQLite and, when available, PostgreSQL (the ``backend`` fixture).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from heedful.signalserver.keys import DATABASE
from heedful.signalserver.models import Credential
from tests.signalserver.conftest import BAD_POLICY, OTHER_POLICY, POLICY, Served, assert_error

ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/policy"),
    ("PUT", "/api/v1/admin/policy"),
    ("POST", "/api/v1/admin/policy"),
    ("GET", "/api/v1/admin/policy/history"),
    ("GET", "/api/v1/admin/policy/versions/1"),
    ("GET", "/api/v1/admin/removals"),
    ("POST", "/api/v1/admin/removals/abc"),
]
AUTH_CASES = [
    ("missing", None),
    ("wrong token", "Bearer not-the-token"),
    ("wrong scheme", "Basic YWRtaW46YWRtaW4="),
    ("empty bearer", "Bearer "),
]


@pytest.mark.parametrize(
    ("method", "path"), ADMIN_ROUTES, ids=[f"{m} {p}" for m, p in ADMIN_ROUTES]
)
@pytest.mark.parametrize("header", [a[1] for a in AUTH_CASES], ids=[a[0] for a in AUTH_CASES])
async def test_admin_routes_refuse_without_the_token(
    served: Served, method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    resp = await served.client.request(method, path, headers=headers, json={"text": POLICY})
    assert resp.status == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(await resp.json(), 401)


async def test_right_token_reads_the_policy(served_on: Served) -> None:
    resp = await served_on.client.get("/api/v1/admin/policy", headers=served_on.admin)
    assert resp.status == 200
    body = await resp.json()
    assert body["text"] == POLICY
    assert body["number"] == 1
    assert body["origin"] == "file policy.toml"
    assert body["version"].startswith("1-")


async def test_token_is_stored_only_as_a_salted_hash(served_on: Served) -> None:
    async with served_on.app[DATABASE].read() as session:
        stored = await session.get(Credential, "admin-token")
    assert stored is not None
    assert served_on.token not in (stored.digest, stored.salt)
    assert stored.scheme.startswith("scrypt:")
    assert len(stored.salt) == 32


async def test_bad_policy_refused_with_every_problem_and_old_one_kept(served_on: Served) -> None:
    client, admin = served_on.client, served_on.admin
    before = await (await client.get("/robots.txt")).text()
    resp = await client.put(
        "/api/v1/admin/policy",
        data=BAD_POLICY,
        headers={**admin, "Content-Type": "application/toml"},
    )
    assert resp.status == 422
    body = await resp.json()
    assert_error(body, 422)
    keys = {e["key"] for e in body["errors"]}
    assert {"site.name", "site.url", "defaults.search"} <= keys, body["errors"]
    assert all(e["line"] > 0 for e in body["errors"])
    assert await (await client.get("/robots.txt")).text() == before
    history = await (await client.get("/api/v1/admin/policy/history", headers=admin)).json()
    assert len(history["versions"]) == 1


async def test_not_toml_and_wrong_types_refused(served: Served) -> None:
    client, admin = served.client, served.admin
    broken = await client.put(
        "/api/v1/admin/policy", data="[site\nname=", headers={**admin, "Content-Type": "text/plain"}
    )
    assert broken.status == 422
    assert_error(await broken.json(), 422)
    wrong_type = await client.put(
        "/api/v1/admin/policy", data=b"x", headers={**admin, "Content-Type": "image/png"}
    )
    assert wrong_type.status == 415
    assert_error(await wrong_type.json(), 415)
    empty_json = await client.put("/api/v1/admin/policy", json={"text": ""}, headers=admin)
    assert empty_json.status == 400
    assert_error(await empty_json.json(), 400)


async def test_history_is_append_only_and_answers_at(served_on: Served) -> None:
    client, admin = served_on.client, served_on.admin
    first = (await (await client.get("/api/v1/admin/policy/history", headers=admin)).json())[
        "versions"
    ]
    resp = await client.put("/api/v1/admin/policy", json={"text": OTHER_POLICY}, headers=admin)
    assert resp.status == 201
    assert (await resp.json())["number"] == 2
    resp = await client.post("/api/v1/admin/policy", json={"text": POLICY}, headers=admin)
    assert resp.status == 201
    versions = (await (await client.get("/api/v1/admin/policy/history", headers=admin)).json())[
        "versions"
    ]
    assert [v["number"] for v in versions] == [1, 2, 3]
    assert versions[0] == first[0]
    times = [datetime.fromisoformat(v["created_at"]) for v in versions]
    assert times == sorted(times)
    assert versions[2]["sha256"] == versions[0]["sha256"]

    async def at(when: datetime) -> dict[str, object]:
        resp = await client.get(
            "/api/v1/admin/policy", params={"at": when.isoformat()}, headers=admin
        )
        assert resp.status == 200, await resp.text()
        return await resp.json()

    assert (await at(times[1]))["number"] == 2
    assert (await at(times[1] + (times[2] - times[1]) / 2))["number"] == 2
    assert (await at(times[2] + timedelta(days=1)))["text"] == POLICY
    too_early = await client.get(
        "/api/v1/admin/policy",
        params={"at": (times[0] - timedelta(days=1)).isoformat()},
        headers=admin,
    )
    assert too_early.status == 404
    bad = await client.get("/api/v1/admin/policy", params={"at": "last tuesday"}, headers=admin)
    assert bad.status == 400
    assert_error(await bad.json(), 400)
    old = await (await client.get("/api/v1/admin/policy/versions/2", headers=admin)).json()
    assert old["text"] == OTHER_POLICY
    missing = await client.get("/api/v1/admin/policy/versions/99", headers=admin)
    assert missing.status == 404


async def test_concurrent_replacements_all_land_in_order(served_on: Served) -> None:
    client, admin = served_on.client, served_on.admin
    texts = [POLICY + f"\n# revision {i}\n" for i in range(5)]
    results = await asyncio.gather(
        *(client.put("/api/v1/admin/policy", json={"text": t}, headers=admin) for t in texts)
    )
    assert [r.status for r in results] == [201] * 5
    versions = (await (await client.get("/api/v1/admin/policy/history", headers=admin)).json())[
        "versions"
    ]
    assert len(versions) == 6
    stamps = [v["created_at"] for v in versions]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 6
    live = await (await client.get("/api/v1/admin/policy", headers=admin)).json()
    assert live["number"] == 6


async def test_restart_keeps_token_and_history(serve, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    first = await serve()
    assert first.token
    await first.client.put("/api/v1/admin/policy", json={"text": OTHER_POLICY}, headers=first.admin)
    await first.client.close()
    second = await serve()
    assert second.token == ""  # not handed out again
    resp = await second.client.get("/api/v1/admin/policy/history", headers=first.admin)
    assert resp.status == 200
    numbers = [v["number"] for v in (await resp.json())["versions"]]
    # The start policy differs from the live one again, so it is appended as version 3.
    assert numbers == [1, 2, 3]
    assert (await second.client.get("/api/v1/admin/policy", headers=first.admin)).status == 200


async def test_same_policy_at_restart_is_not_appended(serve) -> None:  # type: ignore[no-untyped-def]
    first = await serve()
    await first.client.close()
    second = await serve()
    resp = await second.client.get("/api/v1/admin/policy/history", headers=first.admin)
    assert len((await resp.json())["versions"]) == 1


async def test_stored_policy_served_without_policy_argument(serve) -> None:  # type: ignore[no-untyped-def]
    first = await serve()
    await first.client.close()
    second = await serve(policy=None)
    assert (await second.client.get("/robots.txt")).status == 200
