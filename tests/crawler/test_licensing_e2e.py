"""``heedful crawl --licence-budget``: real crawls buying licences from a real OLP + CAP server.

The licensed site (tests.helpers.licence_server) speaks the licensing contract's wire protocol;
the crawl runs as ``heedful crawl`` in a subprocess. Each test asserts on what the site saw (its
request log, the tokens it issued, what it charged) and on the crawler's ledger export.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.crawler.conftest import run_heedful
from tests.helpers.licence_server import LicensedSite, Offer, Recorder, serving

SECRET = "s3cret-Value-42"
CLIENT = "crawler-1"


def home(links: list[str]) -> str:
    anchors = "".join(f'<a href="{href}">{href}</a>\n' for href in links)
    return f"<!doctype html><html><head><title>home</title></head><body>{anchors}</body></html>"


def crawl(
    site: LicensedSite, out: Path, *extra: str, concurrency: int = 8
) -> tuple[Any, list[dict[str, Any]]]:
    done = run_heedful(
        "crawl",
        site.base + "/",
        "--out",
        str(out),
        "--no-progress",
        "--fetch-timeout",
        "3",
        "--concurrency",
        str(concurrency),
        *extra,
    )
    ledger = run_heedful("ledger", str(out))
    assert ledger.returncode == 0, ledger.stderr
    rows = [json.loads(line) for line in ledger.stdout.splitlines() if line.strip()]
    return done, rows


def by_path(rows: list[dict[str, Any]], base: str) -> dict[str, dict[str, Any]]:
    return {row["url"].removeprefix(base): row for row in rows if row["url"].startswith(base)}


def credentials(*extra: str) -> tuple[str, ...]:
    return ("--client-id", CLIENT, "--client-secret", SECRET, *extra)


def test_buys_once_per_scope_presents_the_token_and_records_it(tmp_path: Path) -> None:
    site = LicensedSite(
        offers=[
            Offer("photos-training", "/photos/*", amount="0.05"),
            Offer("news-crawl", "/news/*", payment="crawl", amount="0.01"),
        ],
    )
    works = [f"/photos/{n}" for n in range(4)] + [f"/news/{n}" for n in range(3)]
    site.pages["/"] = home(works)
    with serving(site):
        done, rows = crawl(site, tmp_path / "out", "--licence-budget", "USD 1.00", *credentials())
    assert done.returncode == 0, done.stderr[-3000:]
    found = by_path(rows, site.base)
    for path in works:
        row = found[path]
        assert row["status"] == "kept", row
        lic = row["licensing"]
        assert lic["server"] == site.server
        assert lic["licensee"] == CLIENT
        assert lic["token_id"] in {t["jti"] for t in site.issued}
        assert lic["usage"] == "ai-train"
    # One token per scope, the once-paid one charged once, each per-fetch page charged.
    assert sorted(t["offer"] for t in site.issued) == ["news-crawl", "photos-training"]
    photos = [found[p]["licensing"] for p in works if p.startswith("/photos/")]
    assert sorted(p["charged"] for p in photos) == ["", "", "", "USD 0.05"]
    assert all(p["payment"] == "training" and p["offer"] == "photos-training" for p in photos)
    news = [found[p]["licensing"] for p in works if p.startswith("/news/")]
    assert all(n["charged"] == "USD 0.01" and n["payment"] == "crawl" for n in news)
    charged = sum(
        (
            Decimal(r["licensing"]["charged"].split()[1])
            for r in found.values()
            if (r.get("licensing") or {}).get("charged")
        ),
        Decimal(0),
    )
    assert charged == site.total_charged() == Decimal("0.08")
    # Content requests carried the token; no work was fetched without one and kept.
    content = [e for e in site.log if e["path"] in works]
    assert content
    assert all(e["authorization"].startswith("License ") for e in content)
    # Basic credentials went to the token endpoint only.
    basic = [e for e in site.log if e["authorization"].startswith("Basic ")]
    assert basic
    assert all(e["path"] == "/licensing/token" for e in basic)
    assert "licences 2 tokens used, spent USD 0.08 of USD 1.00" in done.stdout


def test_concurrent_priced_pages_never_exceed_the_budget(tmp_path: Path) -> None:
    site = LicensedSite(offers=[Offer("per-fetch", "/works/*", payment="crawl", amount="0.01")])
    works = [f"/works/{n}" for n in range(40)]
    site.pages["/"] = home(works)
    with serving(site):
        done, rows = crawl(
            site, tmp_path / "out", "--licence-budget", "USD 0.15", *credentials(), concurrency=32
        )
    assert done.returncode == 0, done.stderr[-3000:]
    found = by_path(rows, site.base)
    kept = [p for p in works if found[p]["status"] == "kept"]
    refused = [p for p in works if found[p]["status"] == "refused"]
    assert site.total_charged() <= Decimal("0.15")
    assert len(kept) == 15
    assert len(site.charges) == 15
    assert len(refused) == 25
    for path in refused:
        assert found[path]["licensing"]["refused"].startswith("licence budget exhausted")
        assert found[path]["stage"] == "before-fetch"
    assert "licence budget exhausted" in done.stdout


def test_a_price_above_the_max_price_is_not_bought(tmp_path: Path) -> None:
    site = LicensedSite(offers=[Offer("dear", "/dear/*", amount="0.50")])
    site.pages["/"] = home(["/dear/1"])
    with serving(site):
        _done, rows = crawl(
            site,
            tmp_path / "out",
            "--licence-budget",
            "USD 5.00",
            "--max-price",
            "USD 0.02",
            *credentials(),
        )
    row = by_path(rows, site.base)["/dear/1"]
    assert row["status"] == "refused"
    assert "more than the max price" in row["licensing"]["refused"]
    assert not site.issued
    assert not [e for e in site.log if e["path"] == "/dear/1"]


def test_an_unknown_licence_server_gets_no_credentials(tmp_path: Path) -> None:
    other = Recorder()
    site = LicensedSite(offers=[])
    creds = tmp_path / "creds.json"
    with serving(site, other):
        site.offers.append(Offer("elsewhere", "/x/*", server=other.base + "/licensing"))
        site.pages["/"] = home(["/x/1"])
        creds.write_text(json.dumps({site.server: {"client_id": CLIENT, "client_secret": SECRET}}))
        _done, rows = crawl(
            site, tmp_path / "out", "--licence-budget", "USD 1.00", "--credentials", str(creds)
        )
    row = by_path(rows, site.base)["/x/1"]
    assert row["status"] == "refused"
    assert "no credentials for licence server" in row["licensing"]["refused"]
    assert other.log == []
    assert not [e for e in site.log if e["path"] == "/x/1"]


def test_faults_of_the_licence_server_are_refusals_and_the_crawl_goes_on(tmp_path: Path) -> None:
    for fault, words in (
        ("garbage", "not a JSON object"),
        ("price-changed", "invalid_grant"),
        ("stall", "did not answer"),
    ):
        site = LicensedSite(offers=[Offer("photos", "/photos/*")], token_fault=fault)
        site.pages["/"] = home(["/photos/1", "/photos/2", "/free"])
        with serving(site):
            done, rows = crawl(
                site,
                tmp_path / fault,
                "--licence-budget",
                "USD 1.00",
                *credentials(),
                "--set",
                "HEEDFUL_LICENCE_TIMEOUT=1",
            )
        assert done.returncode == 0, done.stderr[-3000:]
        found = by_path(rows, site.base)
        assert found["/free"]["status"] == "kept"
        for path in ("/photos/1", "/photos/2"):
            assert found[path]["status"] == "refused", (fault, found[path])
            assert words in found[path]["licensing"]["refused"], (fault, found[path])
        assert not [e for e in site.log if e["path"].startswith("/photos/")]


def test_secrets_never_reach_logs_ledger_or_reports(tmp_path: Path) -> None:
    site = LicensedSite(offers=[Offer("photos", "/photos/*")], token_fault="price-changed")
    site.clients[CLIENT] = SECRET
    site.pages["/"] = home(["/photos/1"])
    out = tmp_path / "out"
    with serving(site):
        done, rows = crawl(
            site,
            out,
            "--licence-budget",
            "USD 1.00",
            *credentials(),
            "--set",
            "LOG_LEVEL=DEBUG",
        )
    report = run_heedful("report", str(out), "--format", "json")
    texts = [done.stdout, done.stderr, json.dumps(rows), report.stdout, report.stderr]
    assert all(SECRET not in text for text in texts)
    wrong = run_heedful(
        "crawl",
        site.base + "/",
        "--out",
        str(tmp_path / "bad"),
        "--no-progress",
        "--client-id",
        CLIENT,
        "--client-secret",
        SECRET,
        "--max-price",
        "USD 0.01",
    )
    assert wrong.returncode != 0
    assert SECRET not in wrong.stdout + wrong.stderr


def test_token_requests_of_a_signed_crawl_are_signed_and_verify(tmp_path: Path) -> None:
    import time

    from heedful.policies.identity.webbotauth import verify_web_bot_auth

    key = tmp_path / "key.pem"
    assert run_heedful("keys", "generate", "--out", str(key)).returncode == 0
    directory = run_heedful("keys", "directory", str(key)).stdout.encode()
    site = LicensedSite(offers=[Offer("photos", "/photos/*")])
    site.pages["/"] = home(["/photos/1"])
    with serving(site):
        done, rows = crawl(
            site,
            tmp_path / "out",
            "--licence-budget",
            "USD 1.00",
            *credentials(),
            "--signing-key",
            str(key),
            "--signature-agent",
            "https://bot.example",
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert by_path(rows, site.base)["/photos/1"]["status"] == "kept"
    token_requests = [e for e in site.log if e["path"] == "/licensing/token"]
    assert len(token_requests) == 1
    assert site.issued[0]["signed"]
    result = verify_web_bot_auth(
        method="POST",
        url=token_requests[0]["url"],
        headers=token_requests[0]["headers"],
        directory=directory,
        now=int(time.time()),
    )
    assert result.valid, result.reason
    assert site.issued[0]["cnf"]["jkt"]


def test_credits_and_reports_show_what_was_paid_to_whom(tmp_path: Path) -> None:
    site = LicensedSite(
        offers=[
            Offer(
                "photos",
                "/photos/*",
                amount="0.05",
                rightsholder="Lumen Agency",
                attribution="Photo: Lumen Agency",
            ),
            Offer(
                "essays",
                "/essays/*",
                payment="contribution",
                amount="0.02",
                rightsholder="Essay Collective",
            ),
            Offer("feed", "/feed/*", payment="crawl", amount="0.01", rightsholder="Wire Co"),
        ],
    )
    works = ["/photos/1", "/photos/2", "/essays/1", "/feed/1", "/feed/2"]
    site.pages["/"] = home(works)
    out = tmp_path / "out"
    with serving(site):
        done, _rows = crawl(site, out, "--licence-budget", "USD 1.00", *credentials())
    assert done.returncode == 0, done.stderr[-3000:]
    credits = json.loads(run_heedful("credits", str(out), "--format", "json").stdout)
    by_creator = {c["creator"]: c for c in credits["creators"]}
    photos = by_creator["Lumen Agency"]["works"]
    assert sorted(w["url"].removeprefix(site.base) for w in photos) == ["/photos/1", "/photos/2"]
    assert all(w["duties"] == ["attribution"] and w["attribution_required"] for w in photos)
    assert all(w["licensed_under"]["offer"] == "photos" for w in photos)
    assert all(w["attribution"] == "Photo: Lumen Agency" for w in photos)
    (essay,) = by_creator["Essay Collective"]["works"]
    assert essay["duties"] == ["contribution"]
    assert essay["licensed_under"]["server"] == site.server

    report = json.loads(run_heedful("report", str(out), "--format", "json").stdout)
    lic = report["licensing"]
    assert lic["items_licensed"] == 5
    assert lic["paid"] == "USD 0.09"
    assert len(lic["tokens"]) == 3
    holders = {r["rightsholder"]: r for r in lic["by_rightsholder"]}
    assert holders["Lumen Agency"] == {
        "rightsholder": "Lumen Agency",
        "items": 2,
        "paid": "USD 0.05",
        "tokens": 1,
    }
    assert holders["Wire Co"]["paid"] == "USD 0.02"
    assert lic["duties"]["attribution"] == {"owed": 2, "met": 2}
    assert lic["duties"]["contribution"] == {"owed": 1, "recorded": 1}
    assert [s["server"] for s in lic["by_server"]] == [site.server]
    eu = run_heedful("report", str(out), "--format", "eu-summary").stdout
    assert "## Content taken under licence" in eu
    assert "USD 0.09" in eu
    assert "| Lumen Agency | 2 | USD 0.05 |" in eu
    html = run_heedful("report", str(out), "--format", "html").stdout
    assert "id='licensing'" in html
    assert 'id="licensing-by-terms"' in html


def test_a_rejected_token_is_a_refusal_never_a_bypass(tmp_path: Path) -> None:
    site = LicensedSite(offers=[Offer("photos", "/photos/*")], reject_tokens=True)
    site.pages["/"] = home(["/photos/1", "/photos/2", "/photos/3"])
    with serving(site):
        done, rows = crawl(
            site, tmp_path / "out", "--licence-budget", "USD 1.00", *credentials(), concurrency=1
        )
    assert done.returncode == 0, done.stderr[-3000:]
    found = by_path(rows, site.base)
    refused = [found[p] for p in ("/photos/1", "/photos/2", "/photos/3")]
    assert all(row["status"] == "refused" for row in refused)
    assert any("invalid_token" in row["licensing"]["refused"] for row in refused)
    assert all(
        "did not accept" in row["licensing"]["refused"] or row["http_status"] == 401
        for row in refused
    )
    assert len(site.issued) == 1  # bought once; not again after the site rejected it
    assert not [w for w in rows if w["status"] == "kept" and "/photos/" in w["url"]]


def test_nothing_is_bought_for_a_use_another_signal_denies(tmp_path: Path) -> None:
    site = LicensedSite(
        offers=[Offer("photos", "/photos/*")],
        robots_extra="Disallow: /photos/blocked/\nContent-Usage: /photos/no-train/ train-ai=n\n",
    )
    site.pages["/"] = home(["/photos/blocked/1", "/photos/no-train/1"])
    with serving(site):
        done, rows = crawl(site, tmp_path / "out", "--licence-budget", "USD 1.00", *credentials())
    assert done.returncode == 0, done.stderr[-3000:]
    found = by_path(rows, site.base)
    for path in ("/photos/blocked/1", "/photos/no-train/1"):
        assert found[path]["status"] == "refused"
        assert found[path]["verdict"] == "deny"
        assert found[path].get("licensing") is None
    assert site.issued == []
    assert not [e for e in site.log if e["path"] == "/licensing/token"]


def test_a_page_that_answers_402_is_bought_and_asked_again(tmp_path: Path) -> None:
    site = LicensedSite(offers=[Offer("photos", "/photos/*")], robots_names_licence=False)
    site.pages["/"] = home(["/photos/1"])
    with serving(site):
        done, rows = crawl(site, tmp_path / "out", "--licence-budget", "USD 1.00", *credentials())
    assert done.returncode == 0, done.stderr[-3000:]
    row = by_path(rows, site.base)["/photos/1"]
    assert row["status"] == "kept", row
    assert row["licensing"]["token_id"] == site.issued[0]["jti"]
    asked = [e["authorization"][:8] for e in site.log if e["path"] == "/photos/1"]
    assert asked == ["", "License "]


def test_a_402_without_an_affordable_offer_is_a_refusal(tmp_path: Path) -> None:
    site = LicensedSite(
        offers=[Offer("photos", "/photos/*", amount="9.00")], robots_names_licence=False
    )
    site.pages["/"] = home(["/photos/1"])
    with serving(site):
        done, rows = crawl(site, tmp_path / "out", "--licence-budget", "USD 1.00", *credentials())
    assert done.returncode == 0, done.stderr[-3000:]
    row = by_path(rows, site.base)["/photos/1"]
    assert row["status"] == "refused"
    assert row["http_status"] == 402
    assert "more than the budget" in row["licensing"]["refused"]
    assert site.issued == []
    assert [e["authorization"] for e in site.log if e["path"] == "/photos/1"] == [""]


def test_consent_mode_keeps_a_licensed_work_with_no_separate_creators(tmp_path: Path) -> None:
    """Where the rightsholder is the creator (no ``hf:creators``), the licence is the consent."""
    site = LicensedSite(offers=[Offer("photos", "/photos/*")])
    site.pages["/"] = home(["/photos/1"])
    with serving(site):
        done, rows = crawl(
            site,
            tmp_path / "out",
            "--mode",
            "consent",
            "--licence-budget",
            "USD 1.00",
            *credentials(),
        )
    assert done.returncode == 0, done.stderr[-3000:]
    row = by_path(rows, site.base)["/photos/1"]
    assert row["status"] == "kept", row
    assert row["mode"] == "consent"
    assert row["licensing"]["missing"] == []
    assert row["licensing"]["creators"] == ""


def test_consent_mode_needs_the_creators_consent_as_well_as_the_licence(tmp_path: Path) -> None:
    site = LicensedSite(
        offers=[
            Offer("agreed", "/agreed/*", creators=("Ana Lima",), creator_consent="ai-train"),
            Offer("input-only", "/input/*", creators=("Bo Chen",), creator_consent="ai-input"),
            Offer("unstated", "/unstated/*", creators=("Cy Diaz",)),
        ],
    )
    site.pages["/"] = home(["/agreed/1", "/input/1", "/unstated/1"])
    with serving(site):
        done, rows = crawl(
            site,
            tmp_path / "out",
            "--mode",
            "consent",
            "--licence-budget",
            "USD 1.00",
            *credentials(),
        )
    assert done.returncode == 0, done.stderr[-3000:]
    found = by_path(rows, site.base)
    agreed = found["/agreed/1"]
    assert agreed["status"] == "kept", agreed
    assert agreed["licensing"]["creators"] == "Ana Lima"
    for path in ("/input/1", "/unstated/1"):
        row = found[path]
        assert row["status"] == "refused", row
        assert row["licensing"]["missing"] == ["licence", "creator-consent"], row
    assert [t["offer"] for t in site.issued] == ["agreed"]  # nothing bought that cannot be used
    report = json.loads(run_heedful("report", str(tmp_path / "out"), "--format", "json").stdout)
    assert report["licensing"]["missing"] == {"creator-consent": 2, "licence": 2}
    assert report["licensing"]["refused"] == {"creator consent missing": 2}
    credits = json.loads(run_heedful("credits", str(tmp_path / "out"), "--format", "json").stdout)
    assert [c["creator"] for c in credits["creators"]] == ["Ana Lima"]
