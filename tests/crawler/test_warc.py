"""WARC records: what crawler.warc writes (through warcio's WARCWriter) warcio reads back.

Every record must read back at the offset the writer returned, as its own gzip member, with its
SHA-256 block and payload digests verified, its WARC headers (type, target, date) and its
HTTP headers as given (transfer headers renamed).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from heedful.crawler.warc import WarcFiles

WHEN = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
BODY = b"<html><head><title>t</title></head><body>caf\xc3\xa9</body></html>"

CASES = [
    pytest.param(
        "http://site.test/a",
        [("Content-Type", "text/html"), ("Content-Encoding", "gzip"), ("ETag", '"x"')],
        BODY,
        id="ascii-headers",
    ),
    pytest.param(
        "http://site.test/b",
        [("Content-Type", "text/html"), ("X-Name", "caf\u00e9")],
        BODY,
        id="non-ascii-header",
    ),
    pytest.param("http://site.test/c", [], b"", id="empty-body-no-headers"),
    pytest.param(
        "http://site.test/d",
        [("Content-Type", "application/octet-stream")],
        bytes(range(256)) * 40,
        id="binary-body",
    ),
]


def _records(out: Path) -> list[tuple[int, object, bytes, list[tuple[str, str]], bool]]:
    found = []
    for path in sorted(out.glob("*.warc.gz")):
        with path.open("rb") as handle:
            iterator = ArchiveIterator(handle, check_digests=True)
            for record in iterator:
                body = record.content_stream().read()
                headers = record.http_headers.headers if record.http_headers else []
                found.append(
                    (
                        iterator.get_record_offset(),
                        record,
                        body,
                        headers,
                        record.digest_checker.passed is not False,
                    )
                )
    return found


@pytest.mark.parametrize(("url", "headers", "body"), CASES)
def test_response_record_reads_back_with_verified_digests(
    tmp_path: Path, url: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    warc = WarcFiles(tmp_path, prefix="t", max_bytes=10**9, software="test")
    digest = hashlib.sha256(body).hexdigest()
    name, offset = warc.write_response(
        url, status=200, headers=headers, body=body, fetched_at=WHEN, sha256=digest
    )
    warc.close()
    records = _records(tmp_path)
    by_offset = {r[0]: r for r in records}
    assert offset in by_offset
    _, record, stored, http_headers, verified = by_offset[offset]
    assert verified
    assert record.rec_type == "response"  # type: ignore[attr-defined]
    assert record.rec_headers.get_header("WARC-Target-URI") == url  # type: ignore[attr-defined]
    assert record.rec_headers.get_header("WARC-Date") == "2026-01-02T03:04:05.678901Z"  # type: ignore[attr-defined]
    assert record.rec_headers.get_header("WARC-Payload-Digest").startswith("sha256:")  # type: ignore[attr-defined]
    assert record.rec_headers.get_header("WARC-Block-Digest")  # type: ignore[attr-defined]
    assert stored == body
    assert hashlib.sha256(stored).hexdigest() == digest
    names = [n for n, _ in http_headers]
    # Transfer headers describe wire bytes, not the stored body: renamed, never repeated.
    assert "Content-Encoding" not in names
    assert names.count("Content-Length") == 1
    assert dict(http_headers)["Content-Length"] == str(len(body))
    assert name == next(tmp_path.glob("*.warc.gz")).name


def test_payload_digest_is_computed_when_not_given(tmp_path: Path) -> None:
    warc = WarcFiles(tmp_path, prefix="t", max_bytes=10**9, software="test")
    _, offset = warc.write_response(
        "http://site.test/x", status=404, headers=[], body=BODY, fetched_at=WHEN
    )
    warc.close()
    (found,) = [r for r in _records(tmp_path) if r[0] == offset]
    assert found[4]
    assert found[1].http_headers.get_statuscode() == "404"  # type: ignore[attr-defined]


def test_header_with_line_break_cannot_forge_warc_headers(tmp_path: Path) -> None:
    """A header value must not be able to inject WARC or HTTP header lines."""
    warc = WarcFiles(tmp_path, prefix="t", max_bytes=10**9, software="test")
    _, offset = warc.write_response(
        "http://site.test/y",
        status=200,
        headers=[("X-Evil", "a\r\nWARC-Target-URI: http://evil.test/")],
        body=BODY,
        fetched_at=WHEN,
    )
    warc.close()
    (found,) = [r for r in _records(tmp_path) if r[0] == offset]
    assert found[1].rec_headers.get_header("WARC-Target-URI") == "http://site.test/y"  # type: ignore[attr-defined]


def test_files_rotate_by_size_and_offsets_stay_true(tmp_path: Path) -> None:
    warc = WarcFiles(tmp_path, prefix="t", max_bytes=2_000, software="test")
    written = [
        warc.write_response(
            f"http://site.test/{n}",
            status=200,
            headers=[("Content-Type", "text/plain")],
            body=bytes(range(256)) * 8,
            fetched_at=WHEN,
        )
        for n in range(6)
    ]
    warc.close()
    assert len({name for name, _ in written}) > 1
    for n, (name, offset) in enumerate(written):
        with (tmp_path / name).open("rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle, check_digests=True)))
            assert record.rec_headers.get_header("WARC-Target-URI") == f"http://site.test/{n}"


def test_each_file_opens_with_warcinfo_and_failures_are_metadata(tmp_path: Path) -> None:
    warc = WarcFiles(tmp_path, prefix="t", max_bytes=10**9, software="Heedful/test")
    name, offset = warc.write_failure(
        "http://site.test/gone", error="DNS lookup failed", fetched_at=WHEN
    )
    warc.close()
    records = _records(tmp_path)
    first, failure = records[0][1], next(r for r in records if r[0] == offset)[1]
    assert first.rec_type == "warcinfo"  # type: ignore[attr-defined]
    assert first.rec_headers.get_header("WARC-Filename") == name  # type: ignore[attr-defined]
    assert first.rec_headers.protocol == "WARC/1.1"  # type: ignore[attr-defined]
    assert b"software: Heedful/test" in records[0][2]
    assert failure.rec_type == "metadata"  # type: ignore[attr-defined]
    assert failure.rec_headers.get_header("WARC-Target-URI") == "http://site.test/gone"  # type: ignore[attr-defined]
    assert failure.rec_headers.get_header("Content-Type") == "application/warc-fields"  # type: ignore[attr-defined]
    assert next(r for r in records if r[0] == offset)[2] == b"fetch-error: DNS lookup failed\n"
