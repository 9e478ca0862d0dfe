"""WARC output: kept content and every signal file fetched, gzip per record, rotated by size.

Common Crawl keeps its robots.txt captures next to the pages; Heedful does the same so that the
ledger's evidence (docs/decisions.md, Reasons; the EU template for the public summary of training
content) points at the exact bytes that were read.
Bodies arrive decompressed from Scrapy, so transfer headers that no longer describe them are
renamed the way Common Crawl does (``X-Crawler-Content-Encoding``), keeping them readable.
"""

from __future__ import annotations

import base64
import os
import threading
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, Final

from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.utils import Digester  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

GZIP_LEVEL: Final = 6
"""zlib level for each record's gzip member (warcio's own wrapper uses 9, which costs about
twice the CPU for a few percent of size; the crawl's throughput matters more)."""
WARC_VERSION: Final = "1.1"
RENAMED: Final = frozenset({"content-encoding", "content-length", "transfer-encoding"})
"""Headers that described the wire bytes, not the stored (decoded) body."""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


class _GzipMembers:
    """The file warcio writes to: each record becomes its own gzip member (WARC 1.1 annex D,
    so a reader can seek to the offset the ledger keeps). warcio's writer flushes once at the
    end of every record, which closes the member."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        self._size = 0
        """Bytes written so far: the next record's offset, known without asking the OS."""

    def write(self, data: bytes) -> None:
        self._size += self._handle.write(self._packer.compress(data))

    def flush(self) -> None:
        self._size += self._handle.write(self._packer.flush())
        self._packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)

    def tell(self) -> int:
        return self._size

    def sync(self) -> None:
        """Hand what was written to the operating system (between records)."""
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class _Writer(WARCWriter):  # type: ignore[misc]
    """warcio's writer with SHA-256 digests, as the ledger names content."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


class WarcFiles:
    """Appends records to ``<prefix>-<time>-<pid>-<serial>.warc.gz`` files in ``out_dir``.

    A new file starts once the current one reaches ``max_bytes`` (checked between records, so a
    file exceeds the limit by at most one record). The process id in the name keeps the files of
    distributed workers sharing a directory apart. Records are built and written by warcio.
    """

    def __init__(self, out_dir: Path, *, prefix: str, max_bytes: int, software: str) -> None:
        self._dir = out_dir
        self._prefix = prefix
        self._max = max_bytes
        self._software = software
        self._serial = 0
        self._file: _GzipMembers | None = None
        self._name = ""
        self._writer: _Writer | None = None
        self._lock = threading.Lock()
        self._stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        out_dir.mkdir(parents=True, exist_ok=True)

    def _open(self) -> tuple[_Writer, _GzipMembers]:
        """The writer and its file, rotated when full; a new file opens with a warcinfo record."""
        if self._file is not None and self._file.tell() >= self._max:
            self._file.close()
            self._file = None
        if self._file is None or self._writer is None:
            self._serial += 1
            self._name = f"{self._prefix}-{self._stamp}-{os.getpid()}-{self._serial:05d}.warc.gz"
            self._file = _GzipMembers((self._dir / self._name).open("wb"))
            self._writer = _Writer(self._file, gzip=False, warc_version=WARC_VERSION)
            self._writer.write_record(
                self._writer.create_warcinfo_record(
                    self._name, {"software": self._software, "format": "WARC File Format 1.1"}
                )
            )
        return self._writer, self._file

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
            writer.write_record(record)
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
            writer.write_record(record)
            return self._name, offset

    def flush(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.sync()

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
