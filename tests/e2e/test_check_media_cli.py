"""``heedful check`` on media: local files from the corpus, and a URL whose response is an image
served on 127.0.0.1, whose embedded reservation narrows the site's verdict."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import data_path
from tests.e2e.conftest import heedful
from tests.helpers.media_files import image, xmp_packet

pytestmark = pytest.mark.e2e


def test_local_file_json() -> None:
    path = str(data_path("media", "plus-aiml.jpg"))
    run = heedful("check", path, "--use", "ai-train", "--json")
    assert run.code == 3, run.err
    (line,) = run.json_lines()
    assert (line["path"], line["use"], line["verdict"]) == (path, "ai-train", "deny")
    media = line["media"]
    assert isinstance(media, dict)
    assert media["verdicts"]["search"] == "allow"
    (stmt,) = media["statements"]
    assert stmt["location"] == "XMP plus:DataMining"
    assert stmt["rule"].endswith("DMI-PROHIBITED-AIMLTRAINING")
    assert {"field": "creator", "value": "Ann Artist", "location": "XMP dc:creator"} in media[
        "credits"
    ]


def test_local_files_text_and_exit_status() -> None:
    pdf = str(data_path("media", "tdm-policy.pdf"))
    flac = str(data_path("media", "vorbis.flac"))
    run = heedful("check", pdf, flac, "--use", "tdm")
    assert run.code == 4, run.err  # the PDF needs a licence, the FLAC says nothing
    assert "XMP tdm:reservation" in run.out
    assert "licence offered: https://publisher.example/tdm-policy.json" in run.out
    assert "no embedded statement" in run.out


def test_c2pa_file_reports_manifest_state() -> None:
    run = heedful("check", str(data_path("media", "c2pa-cawg.jpg")), "--use", "tdm", "--json")
    assert run.code == 0, run.err
    (line,) = run.json_lines()
    assert line["media"]["manifest"] == "valid"  # type: ignore[index]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path != "/cut.jpg":
            super().do_GET()
            return
        # Content-Length promises more than is sent: the body never arrives whole.
        body = image("JPEG", xmp_packet("DMI-ALLOWED"))
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body) * 4))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture
def media_site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (tmp_path / "reserved.jpg").write_bytes(image("JPEG", xmp_packet()))
    (tmp_path / "open.jpg").write_bytes(image("JPEG", xmp_packet("")))
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_url_whose_response_is_media(media_site: str) -> None:
    url = media_site + "/reserved.jpg"
    run = heedful("check", url, "--use", "genai-train", "--json", "--timeout", "5")
    assert run.code == 3, run.err
    (line,) = run.json_lines()
    assert (line["url"], line["site_verdict"], line["verdict"]) == (url, "allow", "deny")
    assert line["media"]["statements"][0]["location"] == "XMP plus:DataMining"  # type: ignore[index]


def test_media_url_without_embedded_statement_keeps_the_site_verdict(media_site: str) -> None:
    run = heedful("check", media_site + "/open.jpg", "--use", "genai-train", "--timeout", "5")
    assert run.code == 0, run.err
    assert "no embedded statement" in run.out


def test_media_url_not_fetched_whole_is_unknown_never_allow(media_site: str) -> None:
    url = media_site + "/cut.jpg"
    run = heedful("check", url, "--use", "ai-train", "--json", "--timeout", "5")
    assert run.code == 8, run.err
    (line,) = run.json_lines()
    assert line["verdict"] == "unknown"
    assert "never read as permission" in line["media"]["unread"]  # type: ignore[index]


def test_local_file_whose_metadata_cannot_be_read_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(image("JPEG", xmp_packet("DMI-ALLOWED", extra="<unclosed")))
    run = heedful("check", str(path), "--use", "ai-train", "--json")
    assert run.code == 8, run.err
    (line,) = run.json_lines()
    assert line["verdict"] == "unknown"
