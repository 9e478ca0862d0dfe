"""WARC output: kept content and every signal file fetched, gzip per record, rotated by size.

Common Crawl keeps its robots.txt captures next to the pages; Heedful does the same so that the
ledger's evidence (docs/decisions.md, Reasons; the EU template for the public summary of training
content) points at the exact bytes that were read.
Bodies arrive decompressed from Scrapy, so transfer headers that no longer describe them are
renamed the way Common Crawl does (``X-Crawler-Content-Encoding``), keeping them readable.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import uuid
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, Final

from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

GZIP_LEVEL: Final = 6
"""zlib level for each record's gzip member (warcio uses 9, which costs about twice the CPU
for a few percent of size; the crawl's throughput target matters more, issue 4 section 6)."""
RENAMED: Final = frozenset({"content-encoding", "content-length", "transfer-encoding"})
"""Headers that described the wire bytes, not the stored (decoded) body."""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class WarcFiles:
    """Appends records to ``<prefix>-<time>-<pid>-<serial>.warc.gz`` files in ``out_dir``.

    A new file starts once the current one reaches ``max_bytes`` (checked between records, so a
    file exceeds the limit by at most one record). The process id in the name keeps the files of
    distributed workers sharing a directory apart.
    """

    def __init__(self, out_dir: Path, *, prefix: str, max_bytes: int, software: str) -> None:
        self._dir = out_dir
        self._prefix = prefix
        self._max = max_bytes
        self._software = software
        self._serial = 0
        self._file: BinaryIO | None = None
        self._name = ""
        self._writer: WARCWriter | None = None
        self._lock = threading.Lock()
        self._stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        out_dir.mkdir(parents=True, exist_ok=True)

    def _open(self) -> tuple[WARCWriter, BinaryIO]:
        if self._file is not None and self._file.tell() >= self._max:
            self._file.close()
            self._file = None
        if self._file is None or self._writer is None:
            self._serial += 1
            self._name = f"{self._prefix}-{self._stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
            self._file = (self._dir / self._name).open("wb")
            self._writer = WARCWriter(BytesIO(), gzip=False)
            info = self._writer.create_warcinfo_record(
                self._name, {"software": self._software, "format": "WARC File Format 1.1"}
            )
            self._append(info)
        return self._writer, self._file

    def _ready(self) -> BinaryIO:
        """The open file, rotated when full (the fast path needs no warcio writer)."""
        _, handle = self._open()
        return handle

    def _append(self, record: object) -> None:
        """Serialise one warcio record and append it as its own gzip member."""
        buffer = BytesIO()
        WARCWriter(buffer, gzip=False).write_record(record)
        self._write_member(buffer.getvalue())

    def _write_member(self, data: bytes) -> None:
        """Append ``data`` as its own gzip member (WARC 1.1 annex D: one record per member,
        so a reader can seek to the offset the ledger keeps)."""
        assert self._file is not None
        packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        self._file.write(packer.compress(data) + packer.flush())

    def write_response(
        self,
        url: str,
        *,
        status: int,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        fetched_at: datetime,
        sha256: str = "",
    ) -> tuple[str, int]:
        """Write one ``response`` record; returns (file name, offset of the record).

        ``sha256`` (hex, already computed for the ledger) becomes the payload digest."""
        kept = [
            (f"X-Crawler-{name}" if name.lower() in RENAMED else name, value)
            for name, value in headers
        ]
        kept.append(("Content-Length", str(len(body))))
        record = _response_record(url, status, kept, body, fetched_at, sha256)
        if record is None:
            return self._write_response_warcio(url, status, kept, body, fetched_at, sha256)
        with self._lock:
            handle = self._ready()
            offset = handle.tell()
            self._write_member(record)
            return self._name, offset

    def _write_response_warcio(
        self,
        url: str,
        status: int,
        kept: list[tuple[str, str]],
        body: bytes,
        fetched_at: datetime,
        sha256: str,
    ) -> tuple[str, int]:
        """warcio's record builder: for what the fast path leaves to it (non-ASCII text)."""
        http = StatusAndHeaders(f"{status} {_reason(status)}", kept, protocol="HTTP/1.1")
        warc_headers = {"WARC-Date": _warc_date(fetched_at)}
        if sha256:
            warc_headers["WARC-Payload-Digest"] = f"sha256:{_b32(bytes.fromhex(sha256))}"
        with self._lock:
            writer, handle = self._open()
            record = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=http,
                warc_headers_dict=warc_headers,
            )
            offset = handle.tell()
            self._append(record)
            return self._name, offset

    def write_failure(self, url: str, *, error: str, fetched_at: datetime) -> tuple[str, int]:
        """A ``metadata`` record for a fetch that produced no response (evidence of trying)."""
        body = f"fetch-error: {error}\n".encode()
        with self._lock:
            writer, handle = self._open()
            record = writer.create_warc_record(
                url,
                "metadata",
                payload=BytesIO(body),
                length=len(body),
                warc_content_type="application/warc-fields",
                warc_headers_dict={"WARC-Date": _warc_date(fetched_at)},
            )
            offset = handle.tell()
            self._append(record)
            return self._name, offset

    def flush(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
                self._writer = None


def _warc_date(when: datetime) -> str:
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _b32(digest: bytes) -> str:
    return base64.b32encode(digest).decode("ascii")


def _response_record(
    url: str,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    fetched_at: datetime,
    sha256: str,
) -> bytes | None:
    """One WARC/1.1 ``response`` record as bytes, or ``None`` to leave it to warcio.

    The record warcio's builder would write (WARC 1.1 sections 5 and 6.3: type, id, target, date,
    payload and block digests, ``application/http; msgtype=response``, length), serialised
    directly: warcio's builder costs about 50 us per record in Python objects, a sixth of
    Heedful's per-page budget (issue 4 section 6). Only plain ASCII text without line breaks
    takes this path; anything else goes through warcio, which percent-encodes it.
    """
    lines = [f"HTTP/1.1 {status} {_reason(status)}"]
    lines.extend(f"{name}: {value}" for name, value in headers)
    text = "\r\n".join(lines)
    if (
        not (text.isascii() and url.isascii())
        or text.count("\r") + text.count("\n") != 2 * len(headers)
        or any(c in url for c in "\r\n ")
    ):
        return None
    http = (text + "\r\n\r\n").encode("ascii")
    block = hashlib.sha256(http)
    block.update(body)
    payload = bytes.fromhex(sha256) if sha256 else hashlib.sha256(body).digest()
    head = (
        "WARC/1.1\r\n"
        "WARC-Type: response\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
        f"WARC-Target-URI: {url}\r\n"
        f"WARC-Date: {_warc_date(fetched_at)}\r\n"
        f"WARC-Payload-Digest: sha256:{_b32(payload)}\r\n"
        f"WARC-Block-Digest: sha256:{_b32(block.digest())}\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http) + len(body)}\r\n\r\n"
    ).encode("ascii")
    return b"".join((head, http, body, b"\r\n\r\n"))
