"""``heedful audit`` over every real robots.txt of tests/data/corpus, each served on 127.0.0.1.

Every file is served as ``/robots.txt`` of its own origin (one port each); the audit must not
crash and must report the same findings as ``snapshots/corpus_findings.json`` (rule, severity
and the locations quoted, with the origin left out). After a deliberate change::

    HEEDFUL_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/audit/test_corpus_audit.py
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from heedful.client.audit import gather
from heedful.policies.audit.analysis import audit
from tests.audit.sites import LOCAL, TEXT, Page, Served, serve
from tests.conftest import TEST_DATA

CORPUS = TEST_DATA / "corpus"

SNAPSHOT = Path(__file__).parent / "snapshots" / "corpus_findings.json"
UPDATE = os.environ.get("HEEDFUL_UPDATE_SNAPSHOTS") == "1"
INDEX: dict[str, Any] = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
FILES = sorted(
    e["path"].removeprefix("corpus/")
    for e in INDEX["files"]
    if e["kind"] in ("robots.txt", "robots.txt-example")
)
CONCURRENCY = 8


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    sites = {
        path: {"/robots.txt": Page(body=(CORPUS / path).read_bytes(), content_type=TEXT)}
        for path in FILES
    }
    with serve(sites) as urls:
        yield urls


def _summary(base: str, report_findings: Any) -> list[str]:
    out = []
    for finding in report_findings:
        where = ",".join(f"{e.source.removeprefix(base)}:{e.location}" for e in finding.evidence)
        out.append(f"{finding.rule} {finding.severity} {where}")
    return out


async def test_corpus_audits_are_stable(served: Served) -> None:
    # LOCAL: licence URLs in the corpus name the real sites; they are never fetched.
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(path: str) -> tuple[str, list[str]]:
        base = served[path]
        async with limit:
            data = await gather(base + "/", sample=0, fetch_timeout=10, hosts=LOCAL)
        report = audit(data)
        assert report.matrix.rows, path
        return path, _summary(base, report.findings)

    results = dict(await asyncio.gather(*(one(path) for path in FILES)))
    assert len(results) == len(FILES) > 50
    if UPDATE or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"snapshot {SNAPSHOT.name} was missing and has been written; rerun")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert results.keys() == expected.keys()
    for path, found in results.items():
        assert found == expected[path], path
