"""Signal files kept as evidence: the body in the WARC, the fetch in the ledger.

Shared by crawls (:mod:`heedful.crawler.provenance`) and re-checks (:mod:`heedful.crawler.transparency`), which
must record a fetch the same way; this module does not import Scrapy, which a re-check does not
need.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping

from heedful.crawler.ledger import Ledger, SignalSnapshot, utcnow
from heedful.crawler.warc import WarcFiles
from heedful.policies.fetch.outcomes import robots_outcome, signal_file_outcome
from heedful.policies.signals.read import SignalFile


def sha256(body: bytes) -> str:
    """The hex SHA-256 of ``body``: how the ledger names content."""
    return hashlib.sha256(body).hexdigest()


def header_pairs(headers: object) -> list[tuple[str, str]]:
    """Headers given as a mapping or as pairs, as a list of string pairs."""
    if isinstance(headers, Mapping):
        return [(str(k), str(v)) for k, v in headers.items()]
    return [(str(k), str(v)) for k, v in headers]  # type: ignore[attr-defined]


def store_signal(
    ledger: Ledger,
    warc: WarcFiles,
    *,
    run_id: str,
    origin: str,
    kind: str,
    requested: str,
    got: SignalFile,
    not_modified: bool,
    fresh_seconds: float,
) -> str:
    """Store one signal-file fetch as evidence under crawl or re-check ``run_id``; returns the
    snapshot id decisions link to."""
    fetched_at = utcnow()
    pairs = header_pairs(got.headers)
    if got.status is not None:
        warc_file, offset = warc.write_response(
            got.url or requested,
            status=got.status,
            headers=pairs,
            body=got.body,
            fetched_at=fetched_at,
        )
    else:
        warc_file, offset = warc.write_failure(requested, error=got.error, fetched_at=fetched_at)
    if kind == "robots":
        outcome = robots_outcome(
            status=got.status, error=got.error, redirects=got.redirects, truncated=got.truncated
        )
    else:
        outcome = signal_file_outcome(status=got.status, error=got.error, redirects=got.redirects)
    snapshot = uuid.uuid4().hex
    ledger.add(
        SignalSnapshot,
        {
            "id": snapshot,
            "crawl_id": run_id,
            "origin": origin,
            "kind": kind,
            "url": requested,
            "final_url": got.url,
            "status": got.status,
            "headers": [list(pair) for pair in pairs],
            "sha256": sha256(got.body),
            "size": len(got.body),
            "error": got.error,
            "redirects": got.redirects,
            "truncated": got.truncated,
            "not_modified": not_modified,
            "outcome": outcome.reason,
            "fetched_at": fetched_at,
            "fresh_seconds": int(fresh_seconds),
            "warc_file": warc_file,
            "warc_offset": offset,
        },
    )
    return snapshot
