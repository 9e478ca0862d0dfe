"""Media the crawler downloads are decided with their own embedded statements (issue 13 s. 2):
a real crawl of a 127.0.0.1 site whose images carry IPTC ``plus:DataMining`` and C2PA
training-and-data-mining assertions, read back from the ledger, the WARC files and
``heedful credits``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from heedful.policies.signals.media import read_media
from tests.crawler.conftest import RETRY_BACKOFF, read_warcs, run_heedful
from tests.crawler.sites import Site, page, serve
from tests.helpers.media_files import CORPUS, image, xmp_packet

pytestmark = pytest.mark.e2e

VOCAB = "http://ns.useplus.org/ldf/vocab/"
IMAGES: dict[str, bytes] = {
    "/img/reserved.jpg": image("JPEG", xmp_packet(creator="Res Erved")),
    "/img/allowed.jpg": image("JPEG", xmp_packet(VOCAB + "DMI-ALLOWED", creator="Al Lowed")),
    "/img/plain.png": image("PNG", xmp_packet("", creator="")),
    "/img/broken.jpg": image("JPEG", xmp_packet(extra="<unclosed")),
    "/img/c2pa.jpg": (CORPUS / "c2pa-cawg.jpg").read_bytes(),
    "/site-reserved/allowed.jpg": image("JPEG", xmp_packet(VOCAB + "DMI-ALLOWED")),
}
CUT = image("JPEG", xmp_packet(VOCAB + "DMI-ALLOWED"), size=(64, 64))


def build() -> dict[str, Site]:
    s = Site("media")
    s.text(
        "/robots.txt",
        "User-agent: *\nAllow: /\nContent-Usage: /site-reserved/ train-ai=n\n",
    )
    s.add("/", page("photos", images=(*IMAGES, "/img/cut.jpg")))
    for path, body in IMAGES.items():
        s.add(path, body, ctype="image/png" if path.endswith(".png") else "image/jpeg")

    async def cut(request: web.Request) -> web.StreamResponse:
        # Content-Length promises the whole file; the connection closes after half of it.
        response = web.StreamResponse(
            headers={"Content-Type": "image/jpeg", "Content-Length": str(len(CUT))}
        )
        await response.prepare(request)
        await response.write(CUT[: len(CUT) // 2])
        assert request.transport is not None
        request.transport.close()
        return response

    s.dynamic["/img/cut.jpg"] = cut
    return {"media": s}


def crawl(out: Path, *extra: str) -> dict[str, Any]:
    with serve(build()) as running:
        base = running.urls["media"]
        done = run_heedful(
            "crawl",
            base + "/",
            "--out",
            str(out),
            "--no-progress",
            "--set",
            f"HEEDFUL_RETRY_BACKOFF={RETRY_BACKOFF}",
            "--set",
            "DOWNLOAD_FAIL_ON_DATALOSS=False",
            *extra,
        )
        assert done.returncode in (0, 7), done.stderr[-3000:]
        requested = running.sites["media"].paths()
    ledger = run_heedful("ledger", str(out), "--format", "jsonl")
    assert ledger.returncode == 0, ledger.stderr
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in map(json.loads, ledger.stdout.splitlines()):
        rows.setdefault(row["url"].removeprefix(base), []).append(row)
    credits = run_heedful("credits", str(out))
    assert credits.returncode == 0, credits.stderr
    return {
        "base": base,
        "rows": rows,
        "requested": requested,
        "warc": read_warcs(out),
        "credits": json.loads(credits.stdout),
        "log": done.stderr + done.stdout,
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return crawl(tmp_path_factory.mktemp("media"))


def _last(crawled: dict[str, Any], path: str) -> dict[str, Any]:
    return crawled["rows"][path][-1]


@pytest.mark.parametrize(
    ("path", "status", "signal", "location", "effect"),
    [
        ("/img/reserved.jpg", "refused", "iptc", "XMP plus:DataMining", "deny"),
        ("/img/c2pa.jpg", "refused", "c2pa", None, "deny"),
        ("/img/allowed.jpg", "kept", "iptc", "XMP plus:DataMining", "allow"),
        ("/img/plain.png", "kept", None, None, None),
        ("/img/broken.jpg", "failed", "iptc", "embedded metadata", "unknown"),
        ("/img/cut.jpg", "failed", "iptc", "embedded metadata", "unknown"),
        ("/site-reserved/allowed.jpg", "refused", "content-usage", None, "deny"),
    ],
)
def test_each_image_is_decided_with_what_it_says(
    crawled: dict[str, Any],
    path: str,
    status: str,
    signal: str | None,
    location: str | None,
    effect: str | None,
) -> None:
    row = _last(crawled, path)
    assert row["status"] == status, row
    assert row["stage"] == ("before-fetch" if path.startswith("/site-") else "after-fetch")
    if signal is not None:
        assert any(
            r["signal"] == signal
            and r["effect"] == effect
            and (location is None or r["location"] == location)
            for r in row["reasons"]
        ), row["reasons"]


def test_the_refusal_names_the_metadata_location(crawled: dict[str, Any]) -> None:
    first = _last(crawled, "/img/reserved.jpg")["reasons"][0]
    assert (first["location"], first["rule"]) == (
        "XMP plus:DataMining",
        VOCAB + "DMI-PROHIBITED-AIMLTRAINING",
    )


def test_a_file_allow_never_widens_a_site_reservation(crawled: dict[str, Any]) -> None:
    assert "/site-reserved/allowed.jpg" not in crawled["requested"]


def test_only_kept_images_reach_the_warc(crawled: dict[str, Any]) -> None:
    stored = {
        r["url"].removeprefix(crawled["base"]) for r in crawled["warc"] if r["type"] == "response"
    }
    assert {"/img/allowed.jpg", "/img/plain.png"} <= stored
    assert not stored & {"/img/reserved.jpg", "/img/c2pa.jpg", "/img/broken.jpg", "/img/cut.jpg"}


def test_unreadable_metadata_is_tried_again(crawled: dict[str, Any]) -> None:
    assert len(crawled["rows"]["/img/broken.jpg"]) == 3  # HEEDFUL_RETRY_TIMES = 2
    assert all(r["status"] == "failed" for r in crawled["rows"]["/img/broken.jpg"])
    cut = _last(crawled, "/img/cut.jpg")["reasons"][0]
    assert "ended early" in cut["rule"]


def test_embedded_credits_join_the_ledger_and_credits(crawled: dict[str, Any]) -> None:
    row = _last(crawled, "/img/allowed.jpg")
    assert row["attribution"]["author"] == "Al Lowed"
    assert row["attribution"]["copyright"] == "© 2025 Ann Artist"
    assert "XMP dc:creator" in row["attribution"]["embedded"]
    creators = {c["creator"]: c for c in crawled["credits"]["creators"]}
    works = [w["url"].removeprefix(crawled["base"]) for w in creators["Al Lowed"]["works"]]
    assert works == ["/img/allowed.jpg"]
    assert creators["Al Lowed"]["rights_holders"] == ["Studio Example"]
    assert "Res Erved" not in creators  # refused works are not credited: they are not used


def test_media_checks_off_keeps_what_the_site_allows(tmp_path: Path) -> None:
    off = crawl(tmp_path, "--set", "HEEDFUL_MEDIA=False")
    assert _last(off, "/img/reserved.jpg")["status"] == "kept"
    assert _last(off, "/site-reserved/allowed.jpg")["status"] == "refused"


def test_scrapys_images_pipeline_stores_only_what_may_be_used(tmp_path: Path) -> None:
    store = tmp_path / "images"
    crawl(
        tmp_path / "out",
        "--set",
        'ITEM_PIPELINES={"scrapy.pipelines.images.ImagesPipeline": 1}',
        "--set",
        f"IMAGES_STORE={store}",
    )
    stored = [read_media(p.read_bytes(), p.name) for p in (store / "full").iterdir()]
    # Kept: allowed.jpg and plain.png (re-encoded by the pipeline, so their XMP is gone);
    # every reserved, unreadable or site-reserved image was refused before the pipeline saw it.
    assert len(stored) == 2, [s.as_dict() for s in stored]
