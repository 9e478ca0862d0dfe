"""``heedful audit URL --media``: the media the pages embed or link, fetched from a real site on
127.0.0.1, each compared with what the site's signals mean for its URL (issue 13 s. 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from heedful.client.audit_media import media_urls
from heedful.media.stamp import stamp_bytes
from heedful.policies.signals.media.stamp_plan import plan_stamp
from heedful.policies.sitepolicy import load_site_policy
from tests.crawler.sites import Running, Site, serve
from tests.e2e.conftest import heedful
from tests.helpers.media_files import image, pdf, tdm_packet, xmp_packet
from tests.signalserver.processes import serve_process

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
VOCAB = "http://ns.useplus.org/ldf/vocab/"
PAGE = (
    "<!doctype html><html><head><title>Portfolio</title></head><body>"
    '<img src="/photos/stamped.jpg" alt="">'
    '<picture><source srcset="/photos/allowed.webp 1x, /photos/stamped.jpg 2x"></picture>'
    '<a href="/docs/report.pdf">Report</a> <a href="/about">About</a>'
    '<img src="https://elsewhere.example/x.jpg">'
    '<img src="/private/secret.png">'
    "</body></html>"
)


POLICY = """
[site]
name = "Portfolio"
url = "https://portfolio.example"
contact = "https://portfolio.example/contact"

[defaults]
search = "allow"
ai-input = "deny"
ai-train = "deny"
tdm = "deny"
"""
"""What the served site publishes: search allowed (robots.txt), mining reserved (TDMRep)."""


def _stamped_jpeg() -> bytes:
    """A JPEG stamped by Heedful itself from the policy the site publishes."""
    policy = load_site_policy(POLICY.encode())
    plan = plan_stamp(policy, path="/photos/stamped.jpg", media_type="image/jpeg")
    return stamp_bytes(image("JPEG", xmp_packet("")), "image/jpeg", plan)


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    site = Site("portfolio")
    site.text("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    site.add(
        "/.well-known/tdmrep.json",
        '[{"location": "/", "tdm-reservation": 1}]',
        ctype="application/json",
    )
    site.add("/", PAGE)
    site.add("/about", "<!doctype html><title>About</title>")
    site.add("/photos/stamped.jpg", _stamped_jpeg(), ctype="image/jpeg")
    site.add(
        "/photos/allowed.webp",
        image("WEBP", xmp_packet(VOCAB + "DMI-ALLOWED")),
        ctype="image/webp",
    )
    site.add("/docs/report.pdf", pdf(tdm_packet("0")), ctype="application/pdf")
    site.add("/private/secret.png", image("PNG", xmp_packet(VOCAB + "DMI-ALLOWED")))
    with serve({"portfolio": site}) as found:
        yield found


def _audit(running: Running, *extra: str) -> dict[str, object]:
    done = heedful(
        "audit", running.urls["portfolio"] + "/", "--sample", "0", "--media", "--json", *extra
    )
    assert done.code == 0, done.err
    media = json.loads(done.out)["media"]
    assert isinstance(media, dict)
    return media


def test_a_file_whose_metadata_allows_what_the_site_reserves_is_reported(
    running: Running,
) -> None:
    media = _audit(running)
    base = running.urls["portfolio"]
    assert set(media["read"]) == {  # type: ignore[arg-type]
        f"{base}/photos/stamped.jpg",
        f"{base}/photos/allowed.webp",
        f"{base}/docs/report.pdf",
    }
    by_url: dict[str, list[dict[str, str]]] = {}
    for finding in media["findings"]:  # type: ignore[attr-defined]
        by_url.setdefault(finding["url"], []).append(finding)
    assert f"{base}/photos/stamped.jpg" not in by_url  # stamped from the policy: agrees
    (webp,) = by_url[f"{base}/photos/allowed.webp"]
    assert (webp["code"], webp["severity"], webp["field"]) == (
        "media-allows-reserved",
        "error",
        "XMP plus:DataMining",
    )
    assert "but what the site publishes reserves" in webp["message"]
    pdf_findings = {(f["code"], f["field"]) for f in by_url[f"{base}/docs/report.pdf"]}
    assert ("media-allows-reserved", "XMP tdm:reservation") in pdf_findings
    skipped = {s["url"]: s["why"] for s in media["skipped"]}  # type: ignore[attr-defined]
    assert "robots.txt" in skipped[f"{base}/private/secret.png"]
    assert "another origin" in skipped["https://elsewhere.example/x.jpg"]


def test_the_count_is_bounded_and_the_text_report_names_url_and_field(running: Running) -> None:
    media = _audit(running, "--max-media", "1")
    assert len(media["read"]) == 1  # type: ignore[arg-type]
    assert any("--max-media" in s["why"] for s in media["skipped"])  # type: ignore[attr-defined]
    done = heedful("audit", running.urls["portfolio"] + "/", "--sample", "0", "--media")
    assert done.code == 0, done.err
    assert "Media  3 read" in done.out
    assert "/photos/allowed.webp  XMP plus:DataMining" in done.out
    failing = heedful(
        "audit", running.urls["portfolio"] + "/", "--sample", "0", "--media", "--fail-on", "error"
    )
    assert failing.code == 5, failing.out


def test_without_media_nothing_is_fetched(running: Running) -> None:
    site = running.sites["portfolio"]
    before = len(site.paths())
    done = heedful("audit", running.urls["portfolio"] + "/", "--sample", "0", "--json")
    assert done.code == 0, done.err
    assert "media" not in json.loads(done.out)
    assert not [p for p in site.paths()[before:] if p.startswith(("/photos/", "/docs/"))]


def test_media_urls_from_embedding_elements_and_media_links() -> None:
    urls = media_urls([("https://a.example/dir/page", PAGE.encode())])
    assert urls == [
        "https://a.example/photos/stamped.jpg",
        "https://a.example/photos/allowed.webp",
        "https://elsewhere.example/x.jpg",
        "https://a.example/private/secret.png",
        "https://a.example/docs/report.pdf",  # an <a href> with a media extension
    ]


def test_a_site_served_by_heedful_serve_static(tmp_path: Path) -> None:
    """The photographer's site from ``heedful serve --static``: the photo ``heedful stamp``
    stamped from the same policy agrees with it; an unstamped one saying DMI-ALLOWED does not."""
    policy = ROOT / "examples" / "photographer.toml"
    static = tmp_path / "public"
    (static / "photos").mkdir(parents=True)
    (static / "index.html").write_text(
        '<!doctype html><title>Ana</title><img src="/photos/a.jpg"><img src="/photos/b.jpg">',
        encoding="utf-8",
    )
    (static / "photos" / "a.jpg").write_bytes(image("JPEG", xmp_packet("")))
    stamped = heedful("stamp", "--policy", str(policy), "--no-progress", str(static / "photos"))
    assert stamped.code == 0, stamped.err
    (static / "photos" / "b.jpg").write_bytes(image("JPEG", xmp_packet(VOCAB + "DMI-ALLOWED")))
    args = ("--db", f"sqlite:///{tmp_path / 'h.db'}", "--static", str(static), "--no-access-log")
    with serve_process(policy, *args) as proc:
        done = heedful("audit", proc.url + "/", "--sample", "0", "--media", "--json")
    assert done.code == 0, done.err
    media = json.loads(done.out)["media"]
    assert sorted(media["read"]) == [proc.url + "/photos/a.jpg", proc.url + "/photos/b.jpg"]
    flagged = {(f["url"], f["code"], f["field"]) for f in media["findings"]}
    assert flagged == {(proc.url + "/photos/b.jpg", "media-allows-reserved", "XMP plus:DataMining")}
