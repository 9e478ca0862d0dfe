"""Reading single WARC records by offset, and the byte spans of every record of a file.

Heedful writes each record as its own gzip member (crawler/warc.py, WARC 1.1 annex D), so a
record is the bytes from its offset to the next record's offset: a purge copies those spans
verbatim and what it keeps stays byte-identical.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredRecord:
    """One record as stored: type, target URI, HTTP status/headers and payload."""

    rec_type: str
    url: str
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), "")


def _record(record: Any) -> StoredRecord:
    body = record.content_stream().read()
    http = record.http_headers
    status = None
    headers: tuple[tuple[str, str], ...] = ()
    if http is not None and record.rec_type in ("response", "revisit"):
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            status = None
        headers = tuple((str(k), str(v)) for k, v in http.headers)
    return StoredRecord(
        rec_type=str(record.rec_type),
        url=str(record.rec_headers.get_header("WARC-Target-URI") or ""),
        status=status,
        headers=headers,
        body=body,
    )


def read_at(handle: BinaryIO, offset: int) -> StoredRecord | None:
    """The record starting at ``offset`` of an open WARC file, or ``None`` if there is none."""
    handle.seek(offset)
    try:
        for record in ArchiveIterator(handle):
            return _record(record)
    except Exception:  # noqa: BLE001 -- a damaged or foreign file reads as "no record here"
        return None
    return None


def spans(path: Path) -> list[tuple[int, int]]:
    """``(start, end)`` of every record in ``path``, in file order."""
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        starts: list[int] = [iterator.get_record_offset() for _ in iterator]
        size = handle.seek(0, 2)
    ends = [*starts[1:], size]
    return list(zip(starts, ends, strict=True))


def records(path: Path) -> Iterator[tuple[int, bytes, StoredRecord]]:
    """Every record of ``path``: offset, raw stored bytes, parsed record."""
    data = path.read_bytes()
    with path.open("rb") as handle:
        for start, end in spans(path):
            parsed = read_at(handle, start)
            assert parsed is not None
            yield start, data[start:end], parsed


class Locations:
    """Where a record written at ``(file, offset)`` lives now, following every purge's moves."""

    def __init__(self, relocations: Sequence[Mapping[str, Any]]) -> None:
        self._moves = {
            (str(r["old_file"]), int(r["old_offset"])): (str(r["new_file"]), int(r["new_offset"]))
            for r in relocations
        }

    def current(self, file: str, offset: int) -> tuple[str, int]:
        key = (file, offset)
        for _ in range(len(self._moves) + 1):  # each purge moves a record at most once
            moved = self._moves.get(key)
            if moved is None:
                return key
            key = moved
        return key


class RecordReader:
    """Reads records by location from a directory, keeping a few files open."""

    def __init__(self, directory: Path, locations: Locations, *, max_open: int = 16) -> None:
        self._dir = directory
        self._locations = locations
        self._open: dict[str, BinaryIO] = {}
        self._max = max_open

    def read(self, file: str, offset: int) -> StoredRecord | None:
        if not file:
            return None
        name, where = self._locations.current(file, offset)
        handle = self._open.get(name)
        if handle is None:
            path = self._dir / name
            if "/" in name or "\\" in name or not path.is_file():
                return None
            if len(self._open) >= self._max:
                self._open.pop(next(iter(self._open))).close()
            handle = self._open[name] = path.open("rb")
        return read_at(handle, where)

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
        self._open.clear()
