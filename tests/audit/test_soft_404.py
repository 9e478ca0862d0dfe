"""A site answering every unknown path with ``200 text/html`` (issue 16 section 3, soft 404s).

Most real sites do: the HTML page for ``/.well-known/tdmrep.json``, ``/ai.txt`` or the removals
list means the file is absent, not that the site published a malformed file. The audit of such
a consistent site must pass ``--fail-on error``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heedful.client.audit import gather
from heedful.policies.audit.analysis import audit
from heedful.policies.diagnostics import Severity
from tests.audit.sites import LOCAL, SOFT_404, Page, Served, page, robots, serve

SITE = {
    "/robots.txt": robots("User-agent: *\nAllow: /\nContent-Signal: search=yes, ai-train=no\n"),
    "/articles/1": Page(body=page("Article")),
    SOFT_404: Page(body=page("Page not found")),
}


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serve({"soft": SITE}) as urls:
        yield urls


async def test_soft_404_signal_files_are_absent_not_errors(served: Served) -> None:
    data = await gather(served["soft"] + "/articles/1", sample=0, fetch_timeout=5, hosts=LOCAL)
    assert data.site.tdmrep is None
    assert data.site.ai_txt is None
    assert data.site.removals is None
    report = audit(data)
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    assert errors == []
    assert not [f for f in report.findings if f.rule in ("HF301", "HF302")]
